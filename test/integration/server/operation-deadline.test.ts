import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../../src/core/redis/embedded-redis.js';
import { type EsdbLocal, startEsdbLocal } from '../../../src/esdb-local/index.js';
import {
  AccountHistoryDocument,
  AccountUpdatedDocument,
  DepositDocument,
  OpenAccountDocument,
} from '../../generated/graphql.js';
import { startTestEsgraph, type TestEndpoints } from '../../support/esgraph.js';
import { executeOk, type GraphQLResponse, wsClient } from '../../support/graphql-client.js';
import { type HoldingProxy, startHoldingProxy } from '../../support/holding-proxy.js';
import { capturedLogger } from '../../support/identity.js';
import { bearer, staffToken } from '../../support/test-tokens.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The event store sits behind a proxy that can hold back its answers, so a read of the log can be
 * made to wait as long as a test likes, on a real esdb-local over real gRPC: an operation that
 * outlives its deadline, or whose client leaves, is then one whose read has not finished on its
 * own. Whether the work really stopped is what the server logs when it ends ('aborted operation
 * stopped'): while the store's answer is still held back, it can only end because it was stopped.
 */

const timeoutMs = 300;
/** Fewer bytes than a read call to the store takes on the wire (about 120), more than anything else sent meanwhile. */
const readCallBytes = 100;

/** Both log readers in one document: the operation ends only once both reads have stopped. */
const bothLogReads =
  'query Both($id: ID!) { accountAsOf(id: $id) { id } accountHistory(id: $id, first: 100) { edges { cursor } } }';
const twoDeposits =
  'mutation Two($a: DepositInput!, $b: DepositInput!) { a: deposit(input: $a) { position } b: deposit(input: $b) { position } }';

interface Answer {
  readonly status: number;
  readonly body: GraphQLResponse<Record<string, unknown>>;
}

const post = async (
  url: string,
  requestId: string,
  query: string,
  variables: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Answer> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: bearer(staffToken), 'x-request-id': requestId },
    body: JSON.stringify({ query, variables }),
    ...(signal ? { signal } : {}),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
};

describe('an operation’s deadline (OPERATION_TIMEOUT_MS) and its client’s leaving', () => {
  let esdb: EsdbLocal;
  let redis: EmbeddedRedis;
  let proxy: HoldingProxy;
  /** Runs with a deadline of `timeoutMs`. */
  let timed: RunningEsgraph;
  /** Runs with the default deadline (10 s), far past any wait here: what stops its work is the client. */
  let patient: RunningEsgraph;
  const timedLog = capturedLogger();
  const patientLog = capturedLogger();

  /** The line the server logs once the work of an aborted operation has ended. */
  const stoppedLine = (log: ReturnType<typeof capturedLogger>, requestId: string) =>
    waitFor(
      `the work of ${requestId} to stop`,
      () => log.lines().find((line) => line.msg === 'aborted operation stopped' && line.requestId === requestId),
      { timeoutMs: 5_000 },
    );
  const stoppedLines = (log: ReturnType<typeof capturedLogger>) =>
    log.lines().filter((line) => line.msg === 'aborted operation stopped');

  const openWithDeposits = async (deposits: number) => {
    const accountId = randomUUID();
    await executeOk(timed.url, OpenAccountDocument, { input: { accountId, ownerId: 'owner-d', currency: 'EUR' } });
    for (let i = 0; i < deposits; i++) {
      await executeOk(timed.url, DepositDocument, { input: { accountId, amount: '1.00' } });
    }
    return accountId;
  };

  const depositsOf = async (accountId: string) =>
    (await executeOk(timed.url, AccountHistoryDocument, { id: accountId, first: 100 })).accountHistory.edges
      .map(({ node }) => node)
      .filter((node) => node.type === 'MoneyDeposited');

  /**
   * Holds the store's answers, then waits until the server has sent the store a read call: its
   * headers and request are about 120 bytes, more than any flow-control update (13 bytes) that a
   * subscription's earlier traffic might still send meanwhile.
   */
  const holdUntilCalled = async (send: () => void) => {
    proxy.hold();
    const before = proxy.bytesToServer();
    send();
    await waitFor('the server to call the event store', () => proxy.bytesToServer() - before >= readCallBytes);
  };

  beforeAll(async () => {
    [esdb, redis] = await Promise.all([startEsdbLocal({ mem: true }), startEmbeddedRedis()]);
    proxy = await startHoldingProxy({ host: '127.0.0.1', port: Number(new URL(esdb.connectionString).port) });
    const endpoints: TestEndpoints = {
      redis,
      // No keep-alive pings, so what the server sends the store while a test holds it is its operation's call.
      esdb: { connectionString: `esdb://127.0.0.1:${proxy.port}?tls=false&keepAliveInterval=-1` },
    };
    [timed, patient] = await Promise.all([
      startTestEsgraph(endpoints, { OPERATION_TIMEOUT_MS: String(timeoutMs) }, {}, timedLog.log),
      startTestEsgraph(endpoints, {}, {}, patientLog.log),
    ]);
  });
  afterEach(() => proxy.release());
  afterAll(async () => {
    proxy?.release();
    await Promise.all([timed?.stop(), patient?.stop()]);
    await proxy?.stop();
    await Promise.all([esdb?.stop(), redis?.stop()]);
  });

  it('answers 504 OPERATION_TIMEOUT past OPERATION_TIMEOUT_MS, and stops its reads of the log before the store answers', async () => {
    const accountId = await openWithDeposits(20);
    const requestId = `deadline-${randomUUID()}`;
    proxy.hold();
    const answer = await post(timed.url, requestId, bothLogReads, { id: accountId });

    expect(answer.status).toBe(504);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_TIMEOUT', timeoutMs });
    // The store's answers are still held back: the reads ended because they were stopped.
    expect(await stoppedLine(timedLog, requestId)).toMatchObject({ code: 'OPERATION_TIMEOUT' });

    proxy.release();
    const answered = await post(timed.url, `again-${requestId}`, bothLogReads, { id: accountId });
    expect(answered.status).toBe(200);
    expect(answered.body.data?.accountHistory).toMatchObject({ edges: { length: 21 } });
  });

  it('stops reading the log for a client that hangs up mid-read', async () => {
    const accountId = await openWithDeposits(20);
    const requestId = `hang-up-${randomUUID()}`;
    const client = new AbortController();
    let answer: Promise<unknown> = Promise.resolve();
    await holdUntilCalled(() => {
      answer = post(patient.url, requestId, bothLogReads, { id: accountId }, client.signal).catch((error) => error);
    });
    client.abort();
    expect(await answer).toBeInstanceOf(Error);

    // Long before its 10 s deadline, and while the store has not answered: the client's leaving stopped it.
    expect(await stoppedLine(patientLog, requestId)).toMatchObject({ code: 'OPERATION_CANCELLED' });
  });

  it('finishes a mutation that outlives its deadline rather than abandon its append: it lands once, and sending it again with its commandId answers its receipt', async () => {
    const accountId = await openWithDeposits(0);
    const commandId = `late-${randomUUID()}`;
    const input = { accountId, amount: '5.00', commandId };
    const requestId = `late-${randomUUID()}`;
    proxy.hold();
    const answer = await post(timed.url, requestId, print(DepositDocument), { input });
    expect(answer.status).toBe(504);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('OPERATION_TIMEOUT');
    expect(answer.body.errors?.[0]?.message).toContain('same commandId');
    // Its append waits for the store's answer, which is held back: the command is still running.
    expect(stoppedLines(timedLog).filter((line) => line.requestId === requestId)).toEqual([]);

    proxy.release();
    await stoppedLine(timedLog, requestId);
    const landed = await depositsOf(accountId);
    expect(landed.map((deposit) => (deposit.metadata as { commandId?: string }).commandId)).toEqual([commandId]);
    const again = await executeOk(timed.url, DepositDocument, { input });
    expect(again.deposit.position).toBe(landed[0]!.position);
    expect(await depositsOf(accountId)).toHaveLength(1);
  });

  it('starts no command once its operation has timed out: the second mutation of the document is never appended', async () => {
    const accountId = await openWithDeposits(0);
    const [first, second] = [`first-${randomUUID()}`, `second-${randomUUID()}`];
    const requestId = `two-${randomUUID()}`;
    proxy.hold();
    const answer = await post(timed.url, requestId, twoDeposits, {
      a: { accountId, amount: '1.00', commandId: first },
      b: { accountId, amount: '2.00', commandId: second },
    });
    expect(answer.status).toBe(504);

    proxy.release();
    // The document's work is over once the first deposit landed and the second was refused.
    await stoppedLine(timedLog, requestId);
    expect(
      (await depositsOf(accountId)).map((deposit) => (deposit.metadata as { commandId?: string }).commandId),
    ).toEqual([first]);
  });

  it('answers a query over the WebSocket past its deadline with OPERATION_TIMEOUT, and keeps the connection', async () => {
    const accountId = await openWithDeposits(3);
    const client = wsClient(timed.url.replace('http', 'ws'));
    const before = stoppedLines(timedLog).length;
    try {
      proxy.hold();
      const results = client.iterate({ query: print(AccountHistoryDocument), variables: { id: accountId } });
      const { value } = await results.next();
      expect((value as GraphQLResponse<unknown>).errors?.[0]?.extensions?.code).toBe('OPERATION_TIMEOUT');
      // Its read is still held back: it ended because the deadline stopped it.
      const stopped = await waitFor('its read to stop', () => stoppedLines(timedLog).slice(before)[0], {
        timeoutMs: 5_000,
      });
      expect(stopped).toMatchObject({ code: 'OPERATION_TIMEOUT' });

      proxy.release();
      const later = await client.iterate({ query: print(AccountHistoryDocument), variables: { id: accountId } }).next();
      expect((later.value as GraphQLResponse<unknown>).errors).toBeUndefined();
    } finally {
      await client.dispose();
    }
  });

  it.each([
    [
      'completes the query',
      async (results: AsyncIterator<unknown>) => {
        await results.return?.();
      },
    ],
    ['closes the socket', async (_results: AsyncIterator<unknown>, close: () => Promise<void>) => close()],
  ])('stops reading the log for a WebSocket query when its client %s', async (_how, leave) => {
    const accountId = await openWithDeposits(3);
    const client = wsClient(patient.url.replace('http', 'ws'));
    // graphql-ws connects lazily: a first operation opens and acknowledges the connection.
    await client.iterate({ query: '{ serverInfo { name } }' }).next();
    const before = stoppedLines(patientLog).length;
    let results: AsyncIterator<unknown> | undefined;
    try {
      await holdUntilCalled(() => {
        results = client.iterate({ query: print(AccountHistoryDocument), variables: { id: accountId } });
        void results.next();
      });
      await leave(results!, async () => {
        await client.dispose();
      });
      const stopped = await waitFor('the WebSocket query to stop', () => stoppedLines(patientLog).slice(before)[0], {
        timeoutMs: 5_000,
      });
      expect(stopped).toMatchObject({ code: 'OPERATION_CANCELLED' });
    } finally {
      await client.dispose();
    }
  });

  it('answers OPERATION_TIMEOUT to a subscription whose start outlives the deadline (Redis does not answer its SUBSCRIBE)', async () => {
    const accountId = await openWithDeposits(0);
    const client = wsClient(timed.url.replace('http', 'ws'));
    await client.iterate({ query: '{ serverInfo { name } }' }).next();
    process.kill(redis.pid, 'SIGSTOP');
    try {
      const { value } = await client
        .iterate({ query: print(AccountUpdatedDocument), variables: { id: accountId } })
        .next();
      expect((value as GraphQLResponse<unknown>).errors?.[0]?.extensions?.code).toBe('OPERATION_TIMEOUT');
    } finally {
      process.kill(redis.pid, 'SIGCONT');
      await client.dispose();
    }
  });

  it('bounds a subscription’s start, not its life: a subscription that outlasts the deadline keeps receiving', async () => {
    const accountId = await openWithDeposits(0);
    const client = wsClient(timed.url.replace('http', 'ws'));
    try {
      const updates = client.iterate({ query: print(AccountUpdatedDocument), variables: { id: accountId } });
      const first = updates.next();
      // Past the deadline twice over, measured by the server's own aborts: a WebSocket query timed out meanwhile.
      const deadlineProbe = openWithDeposits(0).then(async (probeId) => {
        proxy.hold();
        const probe = client.iterate({ query: print(AccountHistoryDocument), variables: { id: probeId } });
        const { value } = await probe.next();
        proxy.release();
        return (value as GraphQLResponse<unknown>).errors?.[0]?.extensions?.code;
      });
      expect(await deadlineProbe).toBe('OPERATION_TIMEOUT');
      await executeOk(timed.url, DepositDocument, { input: { accountId, amount: '7.00' } });
      const { value } = await first;
      expect((value as GraphQLResponse<{ accountUpdated: { balance: string } }>).data?.accountUpdated.balance).toBe(
        '7.00',
      );
    } finally {
      await client.dispose();
    }
  });
});
