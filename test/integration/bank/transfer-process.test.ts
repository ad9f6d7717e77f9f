import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEventStore, type EventStoreClient } from '../../../src/core/eventstore/client.js';
import { transferProcessName } from '../../../src/domains/bank/transfers/transfer-process.js';
import { AccountDocument, ProjectionsDocument, TransferMovementsDocument } from '../../generated/graphql.js';
import { bankApi } from '../../support/bank-api.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { executeOk } from '../../support/graphql-client.js';
import { transferDesk } from '../../support/transfer-desk.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The transfers' process manager as a server runs it: a teller asks for a transfer (through a
 * command pipeline with the bank's access policy, as the server's own is: the `transfer` mutation
 * is not there yet), and the server's process manager drives it to COMPLETED or FAILED, through
 * the same access policy, which grants the steps to its role alone.
 */

describe('the transfers’ process manager on a server', () => {
  const esgraph = useTestEsgraph();
  const bank = bankApi(() => esgraph.url);
  let eventStore: EventStoreClient;
  let desk: ReturnType<typeof transferDesk>;
  beforeAll(() => {
    eventStore = connectEventStore(esgraph.dependencies.esdb.connectionString);
    desk = transferDesk(eventStore);
  });
  afterAll(() => eventStore.dispose());

  const requestTransfer = (fromAccountId: string, toAccountId: string, amount: number) =>
    desk.requestTransfer(fromAccountId, toAccountId, amount);
  const settled = (transferId: string) => desk.settled(transferId);

  const balanceOf = async (id: string, consistentWith: string) =>
    (await executeOk(esgraph.url, AccountDocument, { id, consistentWith })).account?.balance;

  const movements = async (accountId: string, consistentWith: string) =>
    (await executeOk(esgraph.url, TransferMovementsDocument, { accountId, consistentWith })).transactions.edges.map(
      ({ node }) => [node.kind, node.amount, node.transferId],
    );

  it('completes a transfer: the money leaves the source and reaches the target', async () => {
    const source = await bank.open();
    const target = await bank.open();
    await bank.deposit(source.accountId, '10.00');
    const transferId = await requestTransfer(source.accountId, target.accountId, 400);

    const { state, position } = await settled(transferId);
    expect(state).toMatchObject({ status: 'completed' });
    expect(state.steps.map(({ kind }) => kind)).toEqual(['REQUESTED', 'DEBITED', 'CREDITED', 'COMPLETED']);
    expect(await balanceOf(source.accountId, position)).toBe('6.00');
    expect(await balanceOf(target.accountId, position)).toBe('4.00');
    expect(await movements(target.accountId, position)).toEqual([['TRANSFER_IN', '4.00', transferId]]);
  });

  it('fails a transfer over the balance with INSUFFICIENT_FUNDS, and moves nothing', async () => {
    const source = await bank.open();
    const target = await bank.open();
    await bank.deposit(source.accountId, '3.00');
    const transferId = await requestTransfer(source.accountId, target.accountId, 400);

    const { state, position } = await settled(transferId);
    expect(state).toMatchObject({ status: 'failed', reason: 'INSUFFICIENT_FUNDS', refunded: false });
    expect(await balanceOf(source.accountId, position)).toBe('3.00');
    expect(await balanceOf(target.accountId, position)).toBe('0.00');
    expect(await movements(source.accountId, position)).toEqual([['DEPOSIT', '3.00', null]]);
  });

  it.each([
    ['closed', 'ACCOUNT_CLOSED'],
    ['in another currency', 'CURRENCY_MISMATCH'],
    ['never opened', 'ACCOUNT_NOT_FOUND'],
  ])('refunds a transfer to an account %s and fails it with %s', async (kind, reason) => {
    const source = await bank.open();
    await bank.deposit(source.accountId, '10.00');
    const targetId = await targetAccount(kind);
    const transferId = await requestTransfer(source.accountId, targetId, 400);

    const { state, position } = await settled(transferId);
    expect(state).toMatchObject({ status: 'failed', reason, refunded: true });
    expect(state.steps.map(({ kind }) => kind)).toEqual([
      'REQUESTED',
      'DEBITED',
      'CREDIT_REFUSED',
      'REFUNDED',
      'FAILED',
    ]);
    expect(await balanceOf(source.accountId, position)).toBe('10.00');
    expect(await movements(source.accountId, position)).toEqual([
      ['TRANSFER_REFUND', '4.00', transferId],
      ['TRANSFER_OUT', '4.00', transferId],
      ['DEPOSIT', '10.00', null],
    ]);
  });

  const targetAccount = async (kind: string): Promise<string> => {
    if (kind === 'never opened') return randomUUID();
    const target = await bank.open({ currency: kind === 'closed' ? 'EUR' : 'NOK' });
    if (kind === 'closed') await bank.close(target.accountId);
    return target.accountId;
  };

  it('is listed in the projections query as a process manager, with its checkpoint, lag and parked count', async () => {
    const source = await bank.open();
    const target = await bank.open();
    await bank.deposit(source.accountId, '1.00');
    const { position } = await settled(await requestTransfer(source.accountId, target.accountId, 100));

    const row = await waitFor('the process manager’s checkpoint past the transfer', async () => {
      const { projections } = await executeOk(esgraph.url, ProjectionsDocument);
      const found = projections.find(({ name }) => name === transferProcessName);
      return found?.checkpoint != null && BigInt(found.checkpoint) >= BigInt(position) ? found : undefined;
    });
    expect(row).toMatchObject({
      kind: 'PROCESS_MANAGER',
      parked: 0,
      halted: false,
      failurePolicy: 'park',
      streamCategory: 'transfer',
      runnerState: expect.any(String),
    });
    // Every transfer of this file is settled: nothing it reacts to waits past its checkpoint.
    expect(row).toMatchObject({ lagEvents: 0, lagAtLeast: false, lagMs: 0 });
    const { projections } = await executeOk(esgraph.url, ProjectionsDocument);
    expect(projections.filter(({ kind }) => kind === 'PROJECTION').map(({ name }) => name)).toContain('bank-stats');
  });
});
