import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AccountHistoryDocument,
  CloseAccountDocument,
  DepositDocument,
  OpenAccountDocument,
  WithdrawDocument,
} from '../../generated/graphql.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';
import { STAFF_USER } from '../../support/test-tokens.js';

describe('bank commands over HTTP', () => {
  const esgraph = useTestEsgraph();
  const url = (): string => esgraph.url;

  const openAccount = async (currency = 'EUR') => {
    const accountId = randomUUID();
    await executeOk(url(), OpenAccountDocument, { input: { accountId, ownerId: 'owner-1', currency } });
    return accountId;
  };

  const codeOf = (result: { errors?: ReadonlyArray<{ extensions?: { code?: string } }> }) =>
    result.errors?.[0]?.extensions?.code;

  const historyTypes = async (accountId: string) =>
    (await executeOk(url(), AccountHistoryDocument, { id: accountId })).accountHistory.edges
      .map(({ node }) => node)
      .map((event) => event.type);

  it('opens an account with the id given and answers where the event landed', async () => {
    const accountId = randomUUID();
    const { openAccount } = await executeOk(url(), OpenAccountDocument, {
      input: { accountId, ownerId: 'owner-7', currency: 'USD' },
    });
    expect(openAccount).toMatchObject({ streamName: `account-${accountId}`, streamRevision: 0, accountId });
    expect(openAccount.position).toMatch(/^\d+$/);
  });

  it('generates a UUID for an account opened without an id', async () => {
    const { openAccount } = await executeOk(url(), OpenAccountDocument, { input: { ownerId: 'o', currency: 'EUR' } });
    expect(openAccount.accountId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(await historyTypes(openAccount.accountId!)).toEqual(['AccountOpened']);
  });

  it('deposits and withdraws, each answering the next revision and a later position', async () => {
    const accountId = await openAccount();
    const deposited = await executeOk(url(), DepositDocument, { input: { accountId, amount: '100.50' } });
    const withdrawn = await executeOk(url(), WithdrawDocument, { input: { accountId, amount: '0.50' } });
    expect(deposited.deposit.streamRevision).toBe(1);
    expect(withdrawn.withdraw.streamRevision).toBe(2);
    expect(BigInt(withdrawn.withdraw.position)).toBeGreaterThan(BigInt(deposited.deposit.position));
    const history = (await executeOk(url(), AccountHistoryDocument, { id: accountId })).accountHistory.edges.map(
      ({ node }) => node,
    );
    expect(history.map((event) => [event.type, event.data])).toEqual([
      ['AccountOpened', expect.objectContaining({ accountId, currency: 'EUR' })],
      ['MoneyDeposited', expect.objectContaining({ amount: '100.50', balanceAfter: '100.50' })],
      ['MoneyWithdrawn', expect.objectContaining({ amount: '0.50', balanceAfter: '100.00' })],
    ]);
  });

  it('closes an empty account', async () => {
    const accountId = await openAccount();
    const { closeAccount } = await executeOk(url(), CloseAccountDocument, { input: { accountId } });
    expect(closeAccount.streamRevision).toBe(1);
    expect(await historyTypes(accountId)).toEqual(['AccountOpened', 'AccountClosed']);
  });

  it.each([
    [
      'ACCOUNT_ALREADY_EXISTS',
      async (accountId: string) =>
        execute(url(), OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } }),
    ],
    [
      'INSUFFICIENT_FUNDS',
      async (accountId: string) => execute(url(), WithdrawDocument, { input: { accountId, amount: '0.01' } }),
    ],
    [
      'ACCOUNT_NOT_FOUND',
      async () => execute(url(), DepositDocument, { input: { accountId: randomUUID(), amount: '1' } }),
    ],
    [
      'ACCOUNT_NOT_EMPTY',
      async (accountId: string) => {
        await executeOk(url(), DepositDocument, { input: { accountId, amount: '1' } });
        return execute(url(), CloseAccountDocument, { input: { accountId } });
      },
    ],
    [
      'ACCOUNT_CLOSED',
      async (accountId: string) => {
        await executeOk(url(), CloseAccountDocument, { input: { accountId } });
        return execute(url(), DepositDocument, { input: { accountId, amount: '1' } });
      },
    ],
  ])('answers %s and appends nothing for the rejected command', async (code, attempt) => {
    const accountId = await openAccount();
    const before = await historyTypes(accountId);
    const result = await attempt(accountId);
    expect(codeOf(result)).toBe(code);
    expect(result.data).toBeNull();
    const after = await historyTypes(accountId);
    // Setup steps (a deposit, a close) may have added events; the rejected command added none.
    expect(after.length - before.length).toBe(code === 'ACCOUNT_NOT_EMPTY' || code === 'ACCOUNT_CLOSED' ? 1 : 0);
  });

  it('answers COMMAND_ID_REUSED and appends nothing for a commandId reused with another amount or on withdraw', async () => {
    const accountId = await openAccount();
    const commandId = `deposit-${randomUUID()}`;
    const first = await executeOk(url(), DepositDocument, { input: { accountId, amount: '20.00', commandId } });
    const otherAmount = await execute(url(), DepositDocument, { input: { accountId, amount: '30.00', commandId } });
    const otherCommand = await execute(url(), WithdrawDocument, { input: { accountId, amount: '20.00', commandId } });
    expect([codeOf(otherAmount), codeOf(otherCommand)]).toEqual(['COMMAND_ID_REUSED', 'COMMAND_ID_REUSED']);
    expect(otherAmount.errors?.[0]?.message).toMatch(commandId);
    expect(await executeOk(url(), DepositDocument, { input: { accountId, amount: '20.00', commandId } })).toEqual(
      first,
    );
    expect(await historyTypes(accountId)).toEqual(['AccountOpened', 'MoneyDeposited']);
  });

  it.each([
    ['1e3', /exponent/],
    [' 12', /whitespace/],
    ['12.345', /3 fraction digits/],
    ['0', /positive/],
    ['-5', /sign/],
    ['1000000000.01', /maximum/],
    ['12,50', /","/],
  ])('rejects the amount %j as BAD_USER_INPUT saying what is wrong', async (amount, message) => {
    const accountId = await openAccount();
    const result = await execute(url(), DepositDocument, { input: { accountId, amount } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(await historyTypes(accountId)).toEqual(['AccountOpened']);
  });

  it('rejects a Float literal amount as BAD_USER_INPUT', async () => {
    const response = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { deposit(input: { accountId: "x", amount: 12.5 }) { position } }' }),
    });
    const result = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/Float literal/);
  });

  it.each([
    ['a lower-case currency', { ownerId: 'o', currency: 'eur' }, /ISO-4217/],
    ['an account id with a space', { accountId: 'a b', ownerId: 'o', currency: 'EUR' }, /accountId must be/],
    ['an empty owner id', { ownerId: '', currency: 'EUR' }, /ownerId must not be empty/],
    ['a command id with a space', { ownerId: 'o', currency: 'EUR', commandId: 'a b' }, /commandId must be/],
  ])('rejects %s as BAD_USER_INPUT', async (_, input, message) => {
    const result = await execute(url(), OpenAccountDocument, { input });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it('records command, correlation and causation ids, the command digest, the schema version and the issuing user on every event', async () => {
    const accountId = randomUUID();
    const commandId = `open-${accountId}`;
    await executeOk(url(), OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR', commandId } });
    const [opened] = (await executeOk(url(), AccountHistoryDocument, { id: accountId })).accountHistory.edges.map(
      ({ node }) => node,
    );
    expect(opened?.metadata).toEqual({
      commandId,
      commandDigest: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      correlationId: expect.any(String),
      causationId: commandId,
      schemaVersion: 1,
      userId: STAFF_USER,
    });
  });
});
