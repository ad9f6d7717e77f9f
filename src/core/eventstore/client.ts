import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
import { type BackoffPolicy, backoffDelayMs, sleep } from '../backoff.js';
import { DependencyUnreachableError } from '../dependency-unreachable.js';
import { maskPassword } from '../masked-url.js';

export type EventStoreClient = EventStoreDBClient;

/**
 * Connects to EventStoreDB (or KurrentDB, or esdb-local) with a connection string such as
 * `esdb://host:2113?tls=false` or `esdb+discover://node1,node2,node3`. The client connects
 * lazily and reconnects (and rediscovers the leader) on its own.
 */
export const connectEventStore = (connectionString: string): EventStoreClient =>
  EventStoreDBClient.connectionString(connectionString);

/**
 * Where the last event in $all landed, or undefined on an empty store. Reads to the end rather
 * than returning from the loop: a read left early keeps its gRPC call open, and the client's
 * dispose() then waits for it forever.
 */
export const readHeadPosition = async (
  client: EventStoreClient,
  options: { readonly deadline?: number } = {},
): Promise<bigint | undefined> => {
  let head: bigint | undefined;
  for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, ...options })) {
    head = resolved.event?.position?.commit ?? resolved.commitPosition;
  }
  return head;
};

/** A cheap round trip that succeeds only when the event store answers reads: the readiness probe. */
export const probeEventStore = async (client: EventStoreClient): Promise<void> => {
  await readHeadPosition(client, { deadline: 1_000 });
};

/** Between two start-up probes of an event store that does not answer yet. */
const STARTUP_PROBES: BackoffPolicy = { initialMs: 100, maxMs: 2_000, jitter: 'none' };

/**
 * Waits until the event store answers a read, probing again with backoff, at most `timeoutMs`;
 * then throws `DependencyUnreachableError` with the last error (refused, TLS, credentials), so a
 * start against a store that is not there fails instead of retrying forever in the background.
 */
export const awaitEventStore = async (
  client: EventStoreClient,
  connectionString: string,
  timeoutMs: number,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let retry = 0; ; retry++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      await readHeadPosition(client, { deadline: Math.min(1_000, left) });
      return;
    } catch (error) {
      lastError = error;
    }
    const pause = Math.min(backoffDelayMs(STARTUP_PROBES, retry), deadline - Date.now());
    if (pause > 0) await sleep(pause);
  }
  throw new DependencyUnreachableError('the event store', maskPassword(connectionString), timeoutMs, lastError);
};
