import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  EventStoreDBClient,
  jsonEvent,
  type Position,
  type ResolvedEvent,
  type StreamSubscription,
} from '@eventstore/db-client';
import { afterAll, beforeAll } from 'vitest';
import { type EsdbLocal, type EsdbLocalStorage, startEsdbLocal } from '../../src/esdb-local/start.js';
import { waitFor } from './wait-for.js';

/*
 * esdb-local as integration tests meet it: started through its public entry point, reached only
 * through the official @eventstore/db-client over gRPC. One server per test file; tests keep out
 * of each other's way with unique stream names.
 */

/** A running esdb-local with clients that are disposed when it stops. */
export interface EsdbLocalFixture {
  readonly server: EsdbLocal;
  /** A client on `esdb://…?tls=false`, shared by the file's tests. */
  readonly client: EventStoreDBClient;
  /** A further client (default: the server's own connection string); disposed on `stop()`. */
  connect(connectionString?: string): EventStoreDBClient;
  stop(): Promise<void>;
}

/** A fresh directory for a disk-backed server; removed by the fixture that made it. */
export const temporaryDirectory = (prefix = 'esdb-local-test-'): string => mkdtempSync(join(tmpdir(), prefix));

/**
 * Starts esdb-local on a free port: in memory by default, on disk in a fresh temporary directory
 * with `{ disk: true }`, or on the storage given.
 */
export const startEsdbLocalFixture = async (
  storage: EsdbLocalStorage | { readonly disk: true } = process.env.ESDB_LOCAL_TEST_STORAGE === 'disk'
    ? { disk: true }
    : { mem: true },
): Promise<EsdbLocalFixture> => {
  const ownDir = 'disk' in storage ? temporaryDirectory() : undefined;
  const server = await startEsdbLocal(ownDir ? { dir: ownDir } : (storage as EsdbLocalStorage));
  const clients: EventStoreDBClient[] = [];
  const connect = (connectionString = server.connectionString): EventStoreDBClient => {
    const client = EventStoreDBClient.connectionString(connectionString);
    clients.push(client);
    return client;
  };
  const client = connect();
  return {
    server,
    client,
    connect,
    stop: async () => {
      await Promise.all(clients.map((each) => each.dispose()));
      await server.stop();
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
};

/**
 * One esdb-local for the test file: started before its first test, stopped after its last. The
 * fixture returned is usable inside tests and hooks (not at the file's top level).
 */
export const useEsdbLocal = (): EsdbLocalFixture => {
  let fixture: EsdbLocalFixture | undefined;
  beforeAll(async () => {
    fixture = await startEsdbLocalFixture();
  });
  afterAll(() => fixture?.stop());
  const running = (): EsdbLocalFixture => {
    if (!fixture) throw new Error('esdb-local is not running: use the fixture inside tests and hooks');
    return fixture;
  };
  return {
    get server() {
      return running().server;
    },
    get client() {
      return running().client;
    },
    connect: (connectionString) => running().connect(connectionString),
    stop: () => running().stop(),
  };
};

/** A stream name no other test uses: `<prefix>-<uuid>`, so category filters by prefix work. */
export const uniqueStream = (prefix = 'test'): string => `${prefix}-${randomUUID()}`;

/** `count` JSON events numbered from `from`: `{ type, data: { n } }`. */
export const numberedEvents = (count: number, { type = 'Numbered', from = 0 } = {}) =>
  Array.from({ length: count }, (_, index) => jsonEvent({ type, data: { n: from + index } }));

/** Appends `count` numbered events to `stream` and returns the append result. */
export const appendNumbered = (
  client: EventStoreDBClient,
  stream: string,
  count: number,
  options: { expectedRevision?: AppendExpectedRevision; from?: number; type?: string } = {},
) =>
  client.appendToStream(stream, numberedEvents(count, options), {
    expectedRevision: options.expectedRevision ?? 'any',
  });

/** Collects every event of a finite read (readStream or readAll). */
export const collect = async <E extends ResolvedEvent | AllStreamResolvedEvent>(
  read: AsyncIterable<E>,
): Promise<E[]> => {
  const events: E[] = [];
  for await (const event of read) events.push(event);
  return events;
};

/** The `n` each numbered event carries, in order (fails on events that carry none). */
export const numbersOf = (events: readonly (ResolvedEvent | AllStreamResolvedEvent)[]): number[] =>
  events.map((resolved) => (resolved.event!.data as { n: number }).n);

/** What a subscription has told its client so far. */
export interface WatchedSubscription<E> {
  readonly events: E[];
  readonly checkpoints: Position[];
  confirmations: number;
  caughtUps: number;
  fellBehinds: number;
  error: Error | undefined;
  ended: boolean;
  /** Resolves once at least `count` events arrived; fails if the subscription errs first or time runs out. */
  untilEvents(count: number, timeoutMs?: number): Promise<E[]>;
  /** Resolves once `what` holds. */
  until(what: string, probe: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves once the subscription has said it caught up (`times` times in all). */
  untilCaughtUp(times?: number): Promise<void>;
}

type CatchUpSubscription<E> = (StreamSubscription | AllStreamSubscription) & AsyncIterable<E>;

/**
 * Records everything a subscription emits. Checkpoints reach the client through the filter's
 * `checkpointReached` callback: give the array that callback fills as `checkpoints`.
 */
export const watchSubscription = <E = ResolvedEvent | AllStreamResolvedEvent>(
  subscription: CatchUpSubscription<E>,
  checkpoints: Position[] = [],
): WatchedSubscription<E> => {
  const watched: WatchedSubscription<E> = {
    events: [],
    checkpoints,
    confirmations: 0,
    caughtUps: 0,
    fellBehinds: 0,
    error: undefined,
    ended: false,
    untilEvents: (count, timeoutMs = 10_000) =>
      watched.until(`${count} events`, () => watched.events.length >= count, timeoutMs).then(() => watched.events),
    untilCaughtUp: (times = 1) => watched.until(`caught up ${times}×`, () => watched.caughtUps >= times),
    until: async (what, probe, timeoutMs = 10_000) => {
      await waitFor(
        what,
        () => {
          if (probe()) return true;
          if (watched.error) throw watched.error;
          return false;
        },
        { timeoutMs, intervalMs: 5 },
      );
    },
  };
  subscription.on('data', (event) => watched.events.push(event as E));
  subscription.on('confirmation', () => watched.confirmations++);
  subscription.on('caughtUp', () => watched.caughtUps++);
  subscription.on('fellBehind', () => watched.fellBehinds++);
  subscription.on('error', (error: Error) => {
    watched.error = error;
  });
  subscription.on('end', () => {
    watched.ended = true;
  });
  return watched;
};
