import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AccountAsOfDocument,
  AccountHistoryDocument,
  CloseAccountDocument,
  DepositDocument,
  OpenAccountDocument,
  WithdrawDocument,
} from '../../generated/graphql.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';

describe('audit trail and time travel', () => {
  const esgraph = useTestEsgraph();
  let accountId: string;
  let history: Awaited<ReturnType<typeof readHistory>>;

  const readHistory = async (id: string) =>
    (await executeOk(esgraph.url, AccountHistoryDocument, { id })).accountHistory.edges.map(({ node }) => node);
  const asOf = async (variables: { at?: string; revision?: number }) =>
    (await executeOk(esgraph.url, AccountAsOfDocument, { id: accountId, ...variables })).accountAsOf;

  beforeAll(async () => {
    accountId = randomUUID();
    const { url } = esgraph;
    await executeOk(url, OpenAccountDocument, { input: { accountId, ownerId: 'owner-9', currency: 'CHF' } });
    await executeOk(url, DepositDocument, { input: { accountId, amount: '50', source: 'cash' } });
    await executeOk(url, WithdrawDocument, { input: { accountId, amount: '20.25' } });
    await executeOk(url, WithdrawDocument, { input: { accountId, amount: '29.75' } });
    await executeOk(url, CloseAccountDocument, { input: { accountId } });
    history = await readHistory(accountId);
  });

  it('lists every event of the account in order with revision, position, time, amounts, data and metadata', () => {
    expect(history.map((event) => [event.type, event.revision])).toEqual([
      ['AccountOpened', 0],
      ['MoneyDeposited', 1],
      ['MoneyWithdrawn', 2],
      ['MoneyWithdrawn', 3],
      ['AccountClosed', 4],
    ]);
    const positions = history.map((event) => BigInt(event.position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    for (const event of history) expect(Number.isNaN(Date.parse(event.occurredAt))).toBe(false);
    // Deposits are written in schema version 2 (they gained `source`); every other type is still at 1.
    expect(history.map((event) => (event.metadata as { schemaVersion: unknown }).schemaVersion)).toEqual([
      1, 2, 1, 1, 1,
    ]);
    expect(history[2]?.data).toEqual(
      expect.objectContaining({ accountId, amount: '20.25', balanceAfter: '29.75', currency: 'CHF' }),
    );
    expect(history[1]?.data).toEqual(
      expect.objectContaining({ accountId, amount: '50.00', balanceAfter: '50.00', source: 'cash' }),
    );
  });

  it('shows the amount and the balance after it as Money on deposits and withdrawals only', () =>
    expect(history.map((event) => [event.amount, event.balanceAfter])).toEqual([
      [null, null],
      ['50.00', '50.00'],
      ['20.25', '29.75'],
      ['29.75', '0.00'],
      [null, null],
    ]));

  it('answers an empty history for an account that never existed', async () => {
    expect(await readHistory(randomUUID())).toEqual([]);
  });

  it.each([
    [0, 'OPEN', '0.00'],
    [1, 'OPEN', '50.00'],
    [2, 'OPEN', '29.75'],
    [3, 'OPEN', '0.00'],
    [4, 'CLOSED', '0.00'],
    [99, 'CLOSED', '0.00'],
  ])('rebuilds the account as of revision %i', async (revision, status, balance) => {
    const account = await asOf({ revision });
    expect(account).toMatchObject({ id: accountId, ownerId: 'owner-9', currency: 'CHF', status, balance });
    expect(account?.revision).toBe(Math.min(revision, 4));
    expect(account?.position).toBe(history[Math.min(revision, 4)]?.position);
    expect(account?.openedAt).toBe(history[0]?.occurredAt);
  });

  it('rebuilds the account as of the time of each event', async () => {
    for (const [index, event] of history.entries()) {
      // Every event recorded at or before that instant counts (two may share a millisecond).
      const lastAtThatTime = history.findLastIndex((other) => other.occurredAt <= event.occurredAt);
      const account = await asOf({ at: event.occurredAt });
      expect(account?.revision, `as of event ${index}`).toBe(lastAtThatTime);
    }
  });

  it('applies both limits when given a time and a revision', async () => {
    const account = await asOf({ at: history[4]!.occurredAt, revision: 1 });
    expect(account).toMatchObject({ revision: 1, balance: '50.00' });
  });

  it('answers null before the account was opened, or for an unknown account', async () => {
    const before = new Date(Date.parse(history[0]!.occurredAt) - 1).toISOString();
    expect(await asOf({ at: before })).toBeNull();
    const unknown = await executeOk(esgraph.url, AccountAsOfDocument, { id: randomUUID() });
    expect(unknown.accountAsOf).toBeNull();
  });

  it('rejects a negative revision as BAD_USER_INPUT', async () => {
    const result = await execute(esgraph.url, AccountAsOfDocument, { id: accountId, revision: -1 });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
