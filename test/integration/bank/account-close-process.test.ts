import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEventStore, type EventStoreClient } from '../../../src/core/eventstore/client.js';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import { stepCommandId } from '../../../src/core/process-managers/reaction.js';
import { accountStreamName } from '../../../src/domains/bank/account.js';
import { accountCloseProcessName } from '../../../src/domains/bank/account-close-process.js';
import {
  AccountCloseAsOfDocument,
  AccountCloseDocument,
  type AccountCloseFieldsFragment,
  AccountCloseUpdatedDocument,
  CancelAccountCloseDocument,
  DepositDocument,
  OpenAccountDocument,
  ProjectionsDocument,
  RequestAccountCloseDocument,
  RequestTransferDocument,
  TransferDocument,
} from '../../generated/graphql.js';
import { bankApi, errorCode } from '../../support/bank-api.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { execute, executeAs, executeOk, executeOkAs, subscribe, wsClient } from '../../support/graphql-client.js';
import { processManagerPast } from '../../support/restartable-servers.js';
import { testToken } from '../../support/test-tokens.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The close process as a server runs it, beside the transfers' process manager on the same core
 * runner: a close requested over GraphQL completes once a transfer out (or a withdrawal) empties
 * the account, exactly once, and the account shows the pending close meanwhile, in queries and
 * in accountUpdated. Replays and restarts: account-close-process-replay.test.ts.
 */

describe('the close process on a server', () => {
  const esgraph = useTestEsgraph();
  const bank = bankApi(() => esgraph.url);
  let eventStore: EventStoreClient;
  const clients: ReturnType<typeof wsClient>[] = [];
  beforeAll(() => {
    eventStore = connectEventStore(esgraph.dependencies.esdb.connectionString);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await eventStore.dispose();
  });

  const events = (accountId: string) => readEventEnvelopes(eventStore, accountStreamName(accountId));
  const types = async (accountId: string) => (await events(accountId)).map(({ type }) => type);

  const account = async (id: string, consistentWith?: string) =>
    (await executeOk(esgraph.url, AccountCloseDocument, { id, consistentWith })).account;

  const closed = (accountId: string) =>
    waitFor(`account ${accountId} to close`, async () => {
      const shown = await account(accountId);
      return shown?.status === 'CLOSED' ? shown : undefined;
    });

  /** The close process has seen everything up to `position` (and acted on it). */
  const closeProcessPast = (position: string) => processManagerPast(esgraph.url, accountCloseProcessName, position);

  const transfer = async (fromAccountId: string, toAccountId: string, amount: string) => {
    const { transfer } = await executeOk(esgraph.url, RequestTransferDocument, {
      input: { fromAccountId, toAccountId, amount },
    });
    const settled = await executeOk(esgraph.url, TransferDocument, {
      id: transfer.transferId as string,
      awaitSettlement: true,
    });
    return settled.transfer!;
  };

  /** The data of the next `count` results; fails on an error result or an early end. */
  const take = async (results: AsyncIterator<{ data?: unknown; errors?: unknown }>, count: number) => {
    const taken: AccountCloseFieldsFragment[] = [];
    while (taken.length < count) {
      const { value, done } = await results.next();
      if (done || value.errors || !value.data)
        throw new Error(`subscription ended or failed: ${JSON.stringify(value)}`);
      taken.push((value.data as { accountUpdated: AccountCloseFieldsFragment }).accountUpdated);
    }
    return taken;
  };

  it('closes an account with a close pending once a transfer out empties it, exactly once', async () => {
    const source = await bank.open();
    const target = await bank.open();
    const funded = await bank.deposit(source.accountId, '10.00');
    const client = wsClient(esgraph.url.replace(/^http/, 'ws'));
    clients.push(client);
    const updates = subscribe(client, AccountCloseUpdatedDocument, { id: source.accountId, since: funded });

    const requested = await bank.requestClose(source.accountId);
    expect(await account(source.accountId, requested)).toMatchObject({
      status: 'OPEN',
      balance: '10.00',
      closeRequestedAt: expect.any(String),
    });
    const settled = await transfer(source.accountId, target.accountId, '10.00');
    expect(settled).toMatchObject({ status: 'COMPLETED' });

    expect(await closed(source.accountId)).toMatchObject({ balance: '0.00', closeRequestedAt: null });
    const stream = await events(source.accountId);
    expect(stream.map(({ type }) => type)).toEqual([
      'AccountOpened',
      'MoneyDeposited',
      'AccountCloseRequested',
      'MoneyTransferredOut',
      'AccountClosed',
    ]);
    const [, , , emptied, closing] = stream;
    expect(emptied!.data).toMatchObject({ closePending: true, balanceAfter: 0 });
    // Sent by the close process, under the id derived from the transfer's debit that emptied it.
    expect(closing!.metadata).toMatchObject({
      userId: `process-manager:${accountCloseProcessName}`,
      commandId: stepCommandId(emptied!, accountCloseProcessName, '0'),
    });
    // Folded from the log, as of each revision: pending after the request, closed at the end.
    const asOf = async (revision: number) =>
      (await executeOk(esgraph.url, AccountCloseAsOfDocument, { id: source.accountId, revision })).accountAsOf;
    expect(await asOf(1)).toMatchObject({ status: 'OPEN', closeRequestedAt: null });
    expect(await asOf(2)).toMatchObject({ status: 'OPEN', closeRequestedAt: expect.any(String) });
    expect(await asOf(4)).toMatchObject({ status: 'CLOSED', closeRequestedAt: null });
    // The target got the money and stays open.
    expect(await account(target.accountId)).toMatchObject({ status: 'OPEN', balance: '10.00' });

    // accountUpdated pushed the pending close, the debit, and the close that cleared it.
    const pushed = await take(updates, 3);
    await updates.return?.();
    expect(pushed.map(({ status, balance, closeRequestedAt }) => [status, balance, closeRequestedAt !== null])).toEqual(
      [
        ['OPEN', '10.00', true],
        ['OPEN', '0.00', true],
        ['CLOSED', '0.00', false],
      ],
    );
  });

  it('closes one emptied by a withdrawal too, and an empty one at once', async () => {
    const withdrawn = await bank.open();
    await bank.deposit(withdrawn.accountId, '3.00');
    await bank.requestClose(withdrawn.accountId);
    await bank.withdraw(withdrawn.accountId, '1.00');
    expect(await account(withdrawn.accountId)).toMatchObject({ status: 'OPEN' });
    await bank.withdraw(withdrawn.accountId, '2.00');
    await closed(withdrawn.accountId);
    expect((await types(withdrawn.accountId)).filter((type) => type === 'AccountClosed')).toHaveLength(1);

    const empty = await bank.open();
    const at = await bank.requestClose(empty.accountId);
    expect(await account(empty.accountId, at)).toMatchObject({ status: 'CLOSED', closeRequestedAt: null });
    expect(await types(empty.accountId)).toEqual(['AccountOpened', 'AccountClosed']);
  });

  it('takes no money in while a close is pending: a deposit is refused, a transfer in fails and is refunded', async () => {
    const closing = await bank.open();
    const payer = await bank.open();
    await bank.deposit(closing.accountId, '5.00');
    await bank.deposit(payer.accountId, '5.00');
    await bank.requestClose(closing.accountId);
    const before = await types(closing.accountId);

    const deposit = await execute(esgraph.url, DepositDocument, {
      input: { accountId: closing.accountId, amount: '1.00' },
    });
    expect(errorCode(deposit)).toBe('ACCOUNT_CLOSING');
    const again = await execute(esgraph.url, RequestAccountCloseDocument, { input: { accountId: closing.accountId } });
    expect(errorCode(again)).toBe('ACCOUNT_CLOSING');
    expect(await types(closing.accountId)).toEqual(before);

    const settled = await transfer(payer.accountId, closing.accountId, '2.00');
    expect(settled).toMatchObject({ status: 'FAILED', reason: 'ACCOUNT_CLOSING' });
    expect(await account(payer.accountId, settled.position)).toMatchObject({ balance: '5.00' });
    expect(await account(closing.accountId, settled.position)).toMatchObject({ status: 'OPEN', balance: '5.00' });
  });

  it('keeps an account open when its close is called off before it is emptied', async () => {
    const { accountId } = await bank.open();
    await bank.deposit(accountId, '4.00');
    await bank.requestClose(accountId);
    const cancelled = await bank.cancelClose(accountId);
    expect(await account(accountId, cancelled)).toMatchObject({ status: 'OPEN', closeRequestedAt: null });
    const notAgain = await execute(esgraph.url, CancelAccountCloseDocument, { input: { accountId } });
    expect(errorCode(notAgain)).toBe('CLOSE_NOT_REQUESTED');

    const emptied = await bank.withdraw(accountId, '4.00');
    await closeProcessPast(emptied);
    expect(await account(accountId)).toMatchObject({ status: 'OPEN', balance: '0.00' });
    const deposited = await bank.deposit(accountId, '1.00');
    expect(await account(accountId, deposited)).toMatchObject({ status: 'OPEN', balance: '1.00' });
    expect(await types(accountId)).not.toContain('AccountClosed');
  });

  it('lets a customer request and cancel the close of its own account, and no one else’s', async () => {
    const customer = `cleo-${randomUUID()}`;
    const token = await testToken(customer, ['customer']);
    const own = randomUUID();
    await executeOkAs(token, esgraph.url, OpenAccountDocument, {
      input: { accountId: own, ownerId: customer, currency: 'EUR' },
    });
    await bank.deposit(own, '1.00');
    const other = await bank.open();
    await bank.deposit(other.accountId, '1.00');

    await executeOkAs(token, esgraph.url, RequestAccountCloseDocument, { input: { accountId: own } });
    await executeOkAs(token, esgraph.url, CancelAccountCloseDocument, { input: { accountId: own } });
    const foreign = await executeAs(token, esgraph.url, RequestAccountCloseDocument, {
      input: { accountId: other.accountId },
    });
    expect(errorCode(foreign)).toBe('FORBIDDEN');
    expect(await types(other.accountId)).toEqual(['AccountOpened', 'MoneyDeposited']);
  });

  it('is listed in the projections query as a process manager, with its checkpoint, lag and parked count', async () => {
    const { accountId } = await bank.open();
    await bank.deposit(accountId, '1.00');
    await bank.requestClose(accountId);
    const last = await bank.withdraw(accountId, '1.00');
    await closed(accountId);

    const row = await closeProcessPast(last);
    expect(row).toMatchObject({
      kind: 'PROCESS_MANAGER',
      parked: 0,
      halted: false,
      failurePolicy: 'park',
      streamCategory: 'account',
      runnerState: expect.any(String),
    });
    // The last test of the file: nothing it reacts to waits past its checkpoint.
    expect(row).toMatchObject({ lagEvents: 0, lagAtLeast: false });
    const names = (await executeOk(esgraph.url, ProjectionsDocument)).projections
      .filter(({ kind }) => kind === 'PROCESS_MANAGER')
      .map(({ name }) => name);
    expect(names).toEqual(expect.arrayContaining(['transfer-process', accountCloseProcessName]));
  });
});
