import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { derivedId } from '../../../src/core/commands/event-ids.js';
import { connectEventStore, type EventStoreClient } from '../../../src/core/eventstore/client.js';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import { processManagerId } from '../../../src/core/projections/keys.js';
import { acquireLease } from '../../../src/core/projections/lease.js';
import { connectRedis } from '../../../src/core/redis/client.js';
import { accountStreamName } from '../../../src/domains/bank/account.js';
import { transferProcessName } from '../../../src/domains/bank/transfers/transfer-process.js';
import { transferStreamName } from '../../../src/domains/bank/transfers/transfer-state.js';
import {
  OpenAccountDocument,
  RequestTransferDocument,
  TransferDocument,
  type TransferFieldsFragment,
  TransfersDocument,
  TransferUpdatedDocument,
} from '../../generated/graphql.js';
import { bankApi, errorCode } from '../../support/bank-api.js';
import { startTestEsgraph, type TestDependencies, useTestEsgraph } from '../../support/esgraph.js';
import { execute, executeAs, executeOk, executeOkAs, subscribe, wsClient } from '../../support/graphql-client.js';
import { handDrivenTransfers, type TransferTerms } from '../../support/hand-driven-transfers.js';
import { testToken } from '../../support/test-tokens.js';

/*
 * The transfer mutation and the transfers read model over real HTTP and WebSocket. The server's
 * transfer process manager never runs here: a node that is not there holds its lease for the
 * whole file, as a stuck node would. The steps are sent by hand, as the process manager sends
 * them, so each test can look at a transfer between any two of its steps.
 */

/** Holds the transfers' process manager's lease for longer than the file runs. */
const holdTheProcessManagersLease = async ({ redis }: TestDependencies): Promise<void> => {
  const client = await connectRedis(redis.url);
  try {
    const held = await acquireLease(
      client,
      processManagerId(transferProcessName),
      3_600_000,
      'a-node-that-is-not-there',
    );
    if (held === undefined) throw new Error('the process manager lease was taken already');
  } finally {
    await client.close();
  }
};

describe('transfers through GraphQL', () => {
  const esgraph = useTestEsgraph(1, holdTheProcessManagersLease);
  const bank = bankApi(() => esgraph.url);
  let eventStore: EventStoreClient;
  let steps: ReturnType<typeof handDrivenTransfers>;
  beforeAll(() => {
    eventStore = connectEventStore(esgraph.dependencies.esdb.connectionString);
    steps = handDrivenTransfers(eventStore);
  });
  afterAll(() => eventStore.dispose());

  const streamLength = async (stream: string) => (await readEventEnvelopes(eventStore, stream)).length;

  /** Two funded EUR accounts, and an empty one in NOK. */
  const accounts = async () => {
    const [source, target, other] = await Promise.all([bank.open(), bank.open(), bank.open({ currency: 'NOK' })]);
    await bank.deposit(source.accountId, '10.00');
    return { source: source.accountId, target: target.accountId, other: other.accountId };
  };

  const requestTransfer = async (fromAccountId: string, toAccountId: string, amount: string, commandId?: string) => {
    const { transfer } = await executeOk(esgraph.url, RequestTransferDocument, {
      input: { fromAccountId, toAccountId, amount, commandId },
    });
    const transferId = transfer.transferId as string;
    const terms: TransferTerms = {
      transferId,
      fromAccountId,
      toAccountId,
      amount: Math.round(Number(amount) * 100),
      currency: 'EUR',
    };
    return { ...transfer, transferId, terms };
  };

  const readTransfer = async (id: string, consistentWith?: string) =>
    (await executeOk(esgraph.url, TransferDocument, { id, consistentWith })).transfer;

  const kinds = (transfer: Pick<TransferFieldsFragment, 'steps'> | null | undefined) =>
    transfer?.steps.map((step) => step.kind);

  it('refuses up front, appending nothing: one account to itself, an unknown source, another currency, a bad amount', async () => {
    const { source, target, other } = await accounts();
    const attempts = [
      { fromAccountId: source, toAccountId: source, amount: '1.00', expected: 'SAME_ACCOUNT' },
      { fromAccountId: randomUUID(), toAccountId: target, amount: '1.00', expected: 'ACCOUNT_NOT_FOUND' },
      { fromAccountId: source, toAccountId: other, amount: '1.00', expected: 'CURRENCY_MISMATCH' },
      { fromAccountId: source, toAccountId: target, amount: '0.00', expected: 'BAD_USER_INPUT' },
      { fromAccountId: source, toAccountId: target, amount: '1.001', expected: 'BAD_USER_INPUT' },
    ];
    const before = await Promise.all([source, target, other].map((id) => streamLength(accountStreamName(id))));
    for (const { expected, ...input } of attempts) {
      const commandId = randomUUID();
      const response = await execute(esgraph.url, RequestTransferDocument, { input: { ...input, commandId } });
      expect({ input, code: errorCode(response) }).toEqual({ input, code: expected });
      expect(await streamLength(transferStreamName(derivedId(commandId, 'transfer')))).toBe(0);
    }
    const after = await Promise.all([source, target, other].map((id) => streamLength(accountStreamName(id))));
    expect(after).toEqual(before);
  });

  it('lets a customer transfer from the account it opened a moment ago, and read that transfer at once', async () => {
    const customer = `cora-${randomUUID()}`;
    const token = await testToken(customer, ['customer']);
    const accountId = randomUUID();
    await executeOkAs(token, esgraph.url, OpenAccountDocument, {
      input: { accountId, ownerId: customer, currency: 'EUR' },
    });
    const { target } = await accounts();
    // No read model need have the account yet: its opening in the log is what counts.
    const { transfer } = await executeOkAs(token, esgraph.url, RequestTransferDocument, {
      input: { fromAccountId: accountId, toAccountId: target, amount: '1.00' },
    });
    const read = await executeOkAs(token, esgraph.url, TransferDocument, {
      id: transfer.transferId as string,
      consistentWith: transfer.position,
    });
    expect(read.transfer).toMatchObject({ fromAccountId: accountId, toAccountId: target, status: 'PENDING' });
    // From someone else's account: FORBIDDEN, and nothing asked for.
    const commandId = randomUUID();
    const foreign = await executeAs(token, esgraph.url, RequestTransferDocument, {
      input: { fromAccountId: target, toAccountId: accountId, amount: '1.00', commandId },
    });
    expect(errorCode(foreign)).toBe('FORBIDDEN');
    expect(await streamLength(transferStreamName(derivedId(commandId, 'transfer')))).toBe(0);
  });

  it('derives the transfer id from the commandId: sent again, it answers the first receipt and asks for nothing more', async () => {
    const { source, target } = await accounts();
    const commandId = randomUUID();
    const first = await requestTransfer(source, target, '1.00', commandId);
    const again = await requestTransfer(source, target, '1.00', commandId);
    expect(first.transferId).toBe(derivedId(commandId, 'transfer'));
    expect(again).toEqual(first);
    expect(first.streamName).toBe(transferStreamName(first.transferId));
    expect(await streamLength(first.streamName)).toBe(1);
    const fresh = await requestTransfer(source, target, '1.00');
    expect(fresh.transferId).not.toBe(first.transferId);
  });

  it('shows a transfer through its steps: PENDING, then COMPLETED, and awaitSettlement waits for that', async () => {
    const { source, target } = await accounts();
    const requested = await requestTransfer(source, target, '4.00');
    // Asked before any step is taken: it answers once the transfer has settled.
    const settled = executeOk(esgraph.url, TransferDocument, {
      id: requested.transferId,
      consistentWith: requested.position,
      awaitSettlement: true,
    });

    const pending = await readTransfer(requested.transferId, requested.position);
    expect(pending).toMatchObject({
      id: requested.transferId,
      fromAccountId: source,
      toAccountId: target,
      amount: '4.00',
      currency: 'EUR',
      status: 'PENDING',
      reason: null,
      completedAt: null,
      position: requested.position,
    });
    expect(kinds(pending)).toEqual(['REQUESTED']);

    const debited = await steps.debit(requested.terms);
    const inTransit = await readTransfer(requested.transferId, debited.position);
    expect([inTransit?.status, kinds(inTransit)]).toEqual(['PENDING', ['REQUESTED', 'DEBITED']]);

    const credited = await steps.credit(requested.terms);
    const completed = await readTransfer(requested.transferId, credited.position);
    expect(completed?.status).toBe('COMPLETED');
    expect(kinds(completed)).toEqual(['REQUESTED', 'DEBITED', 'CREDITED', 'COMPLETED']);
    expect(completed?.completedAt).toBe(completed?.steps.at(-1)?.at);
    expect(completed?.position).toBe(credited.position);
    expect(completed?.steps.at(-1)?.position).toBe(credited.position);
    expect((await settled).transfer).toEqual(completed);
  });

  it('shows a transfer FAILED with its reason: a refused debit, and a refused credit refunded', async () => {
    const { source, target } = await accounts();
    const overdrawn = await requestTransfer(source, target, '50.00');
    const failed = await steps.fail(overdrawn.terms, 'INSUFFICIENT_FUNDS');
    const refusedDebit = await readTransfer(overdrawn.transferId, failed.position);
    expect([refusedDebit?.status, refusedDebit?.reason, refusedDebit?.completedAt]).toEqual([
      'FAILED',
      'INSUFFICIENT_FUNDS',
      null,
    ]);
    expect(kinds(refusedDebit)).toEqual(['REQUESTED', 'FAILED']);

    const refused = await requestTransfer(source, target, '2.00');
    await steps.debit(refused.terms);
    const refunded = await steps.refund(refused.terms, 'ACCOUNT_CLOSED');
    const afterRefund = await readTransfer(refused.transferId, refunded.position);
    expect([afterRefund?.status, afterRefund?.reason]).toEqual(['FAILED', 'ACCOUNT_CLOSED']);
    expect(kinds(afterRefund)).toEqual(['REQUESTED', 'DEBITED', 'CREDIT_REFUSED', 'REFUNDED', 'FAILED']);
  });

  it('answers awaitSettlement with CONSISTENCY_TIMEOUT for a transfer that does not settle within CONSISTENCY_TIMEOUT_MS', async () => {
    // A second server on the same store and Redis, that waits 200 ms at most.
    const hurried: RunningEsgraph = await startTestEsgraph(esgraph.dependencies, { CONSISTENCY_TIMEOUT_MS: '200' });
    try {
      const { source, target } = await accounts();
      const requested = await requestTransfer(source, target, '1.00');
      const response = await execute(hurried.url, TransferDocument, {
        id: requested.transferId,
        consistentWith: requested.position,
        awaitSettlement: true,
      });
      expect(errorCode(response)).toBe('CONSISTENCY_TIMEOUT');
      // Without awaitSettlement the same server answers at once, PENDING.
      const { transfer } = await executeOk(hurried.url, TransferDocument, {
        id: requested.transferId,
        consistentWith: requested.position,
      });
      expect(transfer?.status).toBe('PENDING');
    } finally {
      await hurried.stop();
    }
  });

  it('lists an account’s transfers newest first, both directions, page by page', async () => {
    const { source, target } = await accounts();
    const third = (await bank.open()).accountId;
    const out = await requestTransfer(source, target, '1.00');
    const back = await requestTransfer(target, source, '1.00');
    const elsewhere = await requestTransfer(target, third, '1.00');
    const latest = await requestTransfer(source, third, '1.00');
    const list = async (accountId: string, after?: string | null) =>
      (
        await executeOk(esgraph.url, TransfersDocument, {
          accountId,
          first: 2,
          after,
          consistentWith: latest.position,
        })
      ).transfers;

    const firstPage = await list(source);
    expect(firstPage.edges.map(({ node }) => node.id)).toEqual([latest.transferId, back.transferId]);
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const secondPage = await list(source, firstPage.pageInfo.endCursor);
    expect(secondPage.edges.map(({ node }) => node.id)).toEqual([out.transferId]);
    expect(secondPage.pageInfo.hasNextPage).toBe(false);
    const ofTarget = [...(await list(target)).edges];
    expect(ofTarget.map(({ node }) => node.id)).toEqual([elsewhere.transferId, back.transferId]);
    expect((await list(randomUUID())).edges).toEqual([]);
  });

  it('pushes each change of a transfer to transferUpdated, in log order, until it settles', async () => {
    const { source, target } = await accounts();
    const requested = await requestTransfer(source, target, '3.00');
    const client = wsClient(esgraph.url.replace(/^http/, 'ws'));
    try {
      // From the start of the log: the first message is the transfer as it stands, before any step.
      const updates = subscribe(client, TransferUpdatedDocument, { id: requested.transferId, since: '0' });
      const next = async (): Promise<TransferFieldsFragment> => {
        const { value, done } = await updates.next();
        if (done === true || value.data == null) throw new Error(`no update: ${JSON.stringify(value)}`);
        return value.data.transferUpdated;
      };
      const received = [await next()];
      await steps.debit(requested.terms);
      await steps.credit(requested.terms);
      while (received.at(-1)?.status === 'PENDING' && received.length < 10) received.push(await next());
      await updates.return?.();

      expect(kinds(received[0])).toEqual(['REQUESTED']);
      expect(received[1]).toMatchObject({ status: 'PENDING', steps: [{ kind: 'REQUESTED' }, { kind: 'DEBITED' }] });
      expect(received.at(-1)?.status).toBe('COMPLETED');
      expect(received.at(-1)).toEqual(await readTransfer(requested.transferId, received.at(-1)?.position));
      const positions = received.map((update) => BigInt(update.position));
      expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(new Set(positions).size).toBe(positions.length);
    } finally {
      await client.dispose();
    }
  });
});
