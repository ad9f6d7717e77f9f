import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestIdentity } from '../../../src/core/commands/command-middleware.js';
import { AccessDeniedError } from '../../../src/core/errors.js';
import { connectEventStore, type EventStoreClient } from '../../../src/core/eventstore/client.js';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import { transferEventDecoders } from '../../../src/domains/bank/transfers/transfer-event-decoders.js';
import { foldTransfer, transferStreamName } from '../../../src/domains/bank/transfers/transfer-state.js';
import { AccountHistoryDocument, MoneyInTransitDocument, TransferMovementsDocument } from '../../generated/graphql.js';
import { bankApi } from '../../support/bank-api.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { executeOk } from '../../support/graphql-client.js';
import { handDrivenTransfers } from '../../support/hand-driven-transfers.js';
import { outcomeOf } from '../../support/pipeline.js';

/*
 * A transfer's steps through a real command pipeline on the server's event store, with the bank's
 * access policy as its middleware, as the process manager sends them (by hand, through
 * test/support/hand-driven-transfers.ts); the server's projectors then show them through GraphQL.
 * The server's own process manager drives the same transfers meanwhile (transfer-process.test.ts):
 * every step is idempotent, so each one sent by both moves money once, whoever comes first.
 */

const teller: RequestIdentity = { requestId: 'teller', userId: 'tess', roles: ['teller'] };

type Steps = ReturnType<typeof handDrivenTransfers>;

describe('a transfer’s steps on the real pipeline', () => {
  const esgraph = useTestEsgraph();
  const bank = bankApi(() => esgraph.url);
  let eventStore: EventStoreClient;
  let onAccount: Steps['onAccount'];
  let onTransfer: Steps['onTransfer'];
  beforeAll(() => {
    eventStore = connectEventStore(esgraph.dependencies.esdb.connectionString);
    ({ onAccount, onTransfer } = handDrivenTransfers(eventStore));
  });
  afterAll(() => eventStore.dispose());

  const transferState = async (transferId: string) =>
    foldTransfer(transferEventDecoders.decodeAll(await readEventEnvelopes(eventStore, transferStreamName(transferId))));

  it('moves money once through debit and credit, refunds a refused credit, and shows both in the read models', async () => {
    const source = await bank.open({ currency: 'CHF' });
    const target = await bank.open({ currency: 'CHF' });
    const otherCurrency = await bank.open({ currency: 'NOK' });
    await bank.deposit(source.accountId, '10.00');
    const [completed, refused] = [randomUUID(), randomUUID()];
    const request = (transferId: string, toAccountId: string) => ({
      type: 'RequestTransfer' as const,
      data: { transferId, fromAccountId: source.accountId, toAccountId, amount: 400, currency: 'CHF' },
    });

    await onTransfer(request(completed, target.accountId), teller);
    await onAccount({
      type: 'DebitForTransfer',
      data: { accountId: source.accountId, transferId: completed, amount: 400 },
    });
    // The same debit again, under another command id (as a replayed step would come): nothing more moves.
    const again = await onAccount({
      type: 'DebitForTransfer',
      data: { accountId: source.accountId, transferId: completed, amount: 400 },
    });
    await onTransfer({ type: 'RecordDebit', data: { transferId: completed } });
    await onAccount({
      type: 'CreditForTransfer',
      data: { accountId: target.accountId, transferId: completed, amount: 400, currency: 'CHF' },
    });
    await onTransfer({ type: 'RecordCredit', data: { transferId: completed } });

    await onTransfer(request(refused, otherCurrency.accountId), teller);
    await onAccount({
      type: 'DebitForTransfer',
      data: { accountId: source.accountId, transferId: refused, amount: 400 },
    });
    await onTransfer({ type: 'RecordDebit', data: { transferId: refused } });
    const credit = onAccount({
      type: 'CreditForTransfer',
      data: { accountId: otherCurrency.accountId, transferId: refused, amount: 400, currency: 'CHF' },
    });
    expect(await outcomeOf(credit)).toBe('CURRENCY_MISMATCH');
    await onTransfer({ type: 'RecordCreditRefused', data: { transferId: refused, reason: 'CURRENCY_MISMATCH' } });
    await onAccount({
      type: 'RefundTransfer',
      data: { accountId: source.accountId, transferId: refused, amount: 400 },
    });
    const last = await onTransfer({ type: 'RecordRefund', data: { transferId: refused } });

    expect(again.streamRevision).toBe(2n);
    expect(await transferState(completed)).toMatchObject({ status: 'completed' });
    expect(await transferState(refused)).toMatchObject({
      status: 'failed',
      reason: 'CURRENCY_MISMATCH',
      refunded: true,
    });

    const consistentWith = last.position;
    const movements = async (accountId: string) =>
      (await executeOk(esgraph.url, TransferMovementsDocument, { accountId, consistentWith })).transactions.edges.map(
        ({ node }) => node,
      );
    expect(await movements(source.accountId)).toEqual([
      { kind: 'TRANSFER_REFUND', amount: '4.00', balanceAfter: '6.00', transferId: refused },
      { kind: 'TRANSFER_OUT', amount: '4.00', balanceAfter: '2.00', transferId: refused },
      { kind: 'TRANSFER_OUT', amount: '4.00', balanceAfter: '6.00', transferId: completed },
      { kind: 'DEPOSIT', amount: '10.00', balanceAfter: '10.00', transferId: null },
    ]);
    expect(await movements(target.accountId)).toEqual([
      { kind: 'TRANSFER_IN', amount: '4.00', balanceAfter: '4.00', transferId: completed },
    ]);
    expect(await movements(otherCurrency.accountId)).toEqual([]);

    const { bankStats } = await executeOk(esgraph.url, MoneyInTransitDocument, { consistentWith });
    expect(bankStats.totals.find((total) => total.currency === 'CHF')).toEqual({
      currency: 'CHF',
      balance: '10.00',
      deposited: '10.00',
      withdrawn: '0.00',
      inTransit: '0.00',
      transferred: '4.00',
    });

    const { accountHistory } = await executeOk(esgraph.url, AccountHistoryDocument, { id: source.accountId });
    expect(accountHistory.edges.map(({ node }) => [node.type, node.amount, node.balanceAfter])).toEqual([
      ['AccountOpened', null, null],
      ['MoneyDeposited', '10.00', '10.00'],
      ['MoneyTransferredOut', '4.00', '6.00'],
      ['MoneyTransferredOut', '4.00', '2.00'],
      ['TransferOutRefunded', '4.00', '6.00'],
    ]);
  });

  it('lets only the process manager send a step, even to a teller’s or an owner’s account', async () => {
    const account = await bank.open();
    await bank.deposit(account.accountId, '5.00');
    const debit = {
      type: 'DebitForTransfer' as const,
      data: { accountId: account.accountId, transferId: 't', amount: 1 },
    };
    await expect(onAccount(debit, teller)).rejects.toBeInstanceOf(AccessDeniedError);
    const owner = { requestId: 'owner', userId: account.ownerId, roles: ['customer'] };
    await expect(onAccount(debit, owner)).rejects.toBeInstanceOf(AccessDeniedError);
    expect(await outcomeOf(onAccount(debit))).toBe('ok');
  });
});
