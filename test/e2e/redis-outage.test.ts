import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { connectEventStore } from '../../src/core/eventstore/client.js';
import { createLogger } from '../../src/core/logger.js';
import { readActiveVersion } from '../../src/core/projections/active-version.js';
import { rebuildProjection } from '../../src/core/projections/runner/projection-admin.js';
import { connectRedis } from '../../src/core/redis/client.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/core/redis/embedded-redis.js';
import { domainProjections } from '../../src/domains/index.js';
import type { EmbeddedEndpoints } from '../../src/embedded-endpoints.js';
import { startEsdbLocal } from '../../src/esdb-local/index.js';
import {
  AccountDocument,
  ProjectionsDocument,
  TransactionRecordedDocument,
  type TransactionRecordedSubscription,
} from '../generated/graphql.js';
import { bankApi, errorCode } from '../support/bank-api.js';
import { useCleanups } from '../support/cleanups.js';
import { execute, executeOk, type GraphQLResponse, subscribe, wsClient } from '../support/graphql-client.js';
import { dumpBuild } from '../support/read-model-dump.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';
import { bearer, staffToken } from '../support/test-tokens.js';
import { waitFor } from '../support/wait-for.js';

/*
 * Redis going away under a running server (issue 9, points 2 and 3): the embedded redis-server
 * killed with SIGKILL and restarted by the server's supervisor, and an external Redis that the
 * test itself stops and starts again on the same port and data directory.
 */

const cleanup = useCleanups();
const log = createLogger('silent');

type Formatted = ReadonlyArray<{ message: string; extensions?: { code?: string } }>;

/** A subscription whose items are collected as they come, and what ended it. */
const follow = <Data>(iterator: AsyncIterableIterator<GraphQLResponse<Data>>) => {
  const items: Data[] = [];
  const ended = (async (): Promise<{ errors?: Formatted }> => {
    try {
      for await (const result of iterator) {
        if (result.errors) return { errors: result.errors };
        if (result.data) items.push(result.data);
      }
      return {};
    } catch (error) {
      // graphql-ws rejects with the `error` message's payload: the formatted errors.
      return { errors: error as Formatted };
    }
  })();
  return { items, ended };
};

const positionsOf = (items: readonly TransactionRecordedSubscription[]): string[] =>
  items.map((item) => item.transactionRecorded.position);

/** Deposits one after another until told to stop (or a bound), remembering every acknowledged position. */
const depositsInBackground = (api: ReturnType<typeof bankApi>, accountIds: readonly string[]) => {
  const acknowledged: string[] = [];
  let running = true;
  const done = (async () => {
    for (let index = 0; running && index < 400; index++) {
      acknowledged.push(await api.deposit(accountIds[index % accountIds.length]!, '1.00'));
    }
  })();
  return {
    acknowledged,
    stop: async () => {
      running = false;
      await done;
    },
  };
};

const status = async (url: string): Promise<number> => (await fetch(url)).status;

/** A query over HTTP, with the status Apollo answered it with. */
const accountOverHttp = async (url: string, id: string, consistentWith?: string) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: bearer(staffToken) },
    body: JSON.stringify({ query: print(AccountDocument), variables: { id, consistentWith } }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse<unknown> };
};

/** Every read model's active build, as a rebuild from the log must reproduce it. */
const expectReadModelsEqualARebuild = async (redisUrl: string, eventStoreConnectionString: string) => {
  const redis = await connectRedis(redisUrl);
  const eventStore = connectEventStore(eventStoreConnectionString);
  try {
    for (const projection of domainProjections()) {
      const kept = await readActiveVersion(redis, projection.name);
      const incremental = await dumpBuild(redis, projection.name, kept!);
      const { build } = await rebuildProjection({ eventStore, redis, log }, projection);
      expect(await dumpBuild(redis, projection.name, build), `${projection.name} rebuilt`).toEqual(incremental);
    }
  } finally {
    await redis.close();
    await eventStore.dispose();
  }
};

const caughtUp = (url: string) =>
  waitFor(
    'every read model to catch up',
    async () => {
      const { projections } = await executeOk(url, ProjectionsDocument);
      // Read models only: a process manager has no build.
      return projections
        .filter((p) => p.kind === 'PROJECTION')
        .every((p) => p.activeBuild !== null && p.lagEvents === 0);
    },
    { timeoutMs: 20_000 },
  );

const isGone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/**
 * A server process against a Redis and an esdb-local that the test owns, so it can kill Redis
 * and start it again on the same port and data directory.
 */
const startWithExternalRedis = async (env: Record<string, string>) => {
  const redisDir = mkdtempSync(join(tmpdir(), 'esgraph-redis-'));
  let redis: EmbeddedRedis = await startEmbeddedRedis({ dir: redisDir });
  const esdb = await startEsdbLocal({ mem: true });
  cleanup(
    () => esdb.stop(),
    () => redis.stop(),
  );
  const server = await startServerProcess({
    REDIS_URL: redis.url,
    EVENTSTORE_CONNECTION_STRING: esdb.connectionString,
    ...env,
  });
  cleanup(() => server.stop('SIGKILL'));
  return {
    server,
    esdb,
    redis: () => redis,
    killRedis: async () => {
      process.kill(redis.pid, 'SIGKILL');
      await redis.exited;
    },
    /** Starts Redis again on its port: on its own data, or on none (a new, empty Redis). */
    restartRedis: async ({ empty = false } = {}) => {
      const dir = empty ? mkdtempSync(join(tmpdir(), 'esgraph-redis-')) : redisDir;
      redis = await startEmbeddedRedis({ dir, port: redis.port });
    },
  };
};

describe('an external Redis that goes away and comes back on the same port and data', () => {
  it('answers SERVICE_UNAVAILABLE while it is away, keeps taking mutations, and afterwards matches a rebuild with resumed subscribers missing and repeating nothing', async () => {
    const { server, esdb, redis, killRedis, restartRedis } = await startWithExternalRedis({
      PROJECTION_LEASE_TTL_MS: '1500',
      // A wait that hung until its timeout would take this long; SERVICE_UNAVAILABLE comes at once.
      CONSISTENCY_TIMEOUT_MS: '20000',
    });
    const api = bankApi(() => server.url);
    const accounts = await Promise.all([api.open(), api.open(), api.open()]);
    const accountIds = accounts.map((account) => account.accountId);

    const client = wsClient(server.wsUrl);
    cleanup(() => client.dispose());
    // From the last opening on, so that the first deposit is heard however soon the subscription is live.
    const opened = accounts.map((account) => BigInt(account.position)).reduce((a, b) => (a > b ? a : b));
    const first = follow(subscribe(client, TransactionRecordedDocument, { since: String(opened) }));
    const firstDeposit = await api.deposit(accountIds[0]!, '5.00');
    await waitFor('the subscriber to hear the first deposit', () => positionsOf(first.items).includes(firstDeposit));
    const traffic = depositsInBackground(api, accountIds);
    await waitFor('some deposits under way', () => traffic.acknowledged.length >= 10);

    await killRedis();

    // The open subscription ends with an error the client can act on.
    const { errors } = await first.ended;
    expect(errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    // Queries, consistentWith waits and new subscriptions are refused the same way.
    const query = await accountOverHttp(server.url, accountIds[0]!);
    expect({ status: query.status, code: errorCode(query.body) }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    const startedWaiting = Date.now();
    const waited = await accountOverHttp(server.url, accountIds[0]!, traffic.acknowledged.at(-1));
    expect(errorCode(waited.body)).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - startedWaiting).toBeLessThan(5_000);
    const refused = await follow(subscribe(wsClient(server.wsUrl), TransactionRecordedDocument, {})).ended;
    expect(refused.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    // Mutations need only the event store.
    const during = traffic.acknowledged.length;
    await waitFor('deposits acknowledged while Redis is away', () => traffic.acknowledged.length >= during + 5);
    expect(await status(`${server.baseUrl}/readyz`)).toBe(503);
    expect(await status(`${server.baseUrl}/healthz`)).toBe(200);

    await restartRedis();
    await waitFor(
      'queries to answer again',
      async () => (await accountOverHttp(server.url, accountIds[0]!)).status === 200,
    );
    await traffic.stop();
    const acknowledged = [firstDeposit, ...traffic.acknowledged];

    // The subscriber comes back with the last position it saw.
    const seen = positionsOf(first.items);
    const resumed = follow(subscribe(client, TransactionRecordedDocument, { since: seen.at(-1)! }));
    await waitFor(
      'the resumed subscriber to hear every deposit',
      () => new Set([...seen, ...positionsOf(resumed.items)]).size >= acknowledged.length,
      { timeoutMs: 20_000 },
    );
    const everything = [...seen, ...positionsOf(resumed.items)];
    expect(new Set(everything).size, 'no transaction twice').toBe(everything.length);
    expect(new Set(everything)).toEqual(new Set(acknowledged));

    await caughtUp(server.url);
    await expectReadModelsEqualARebuild(redis().url, esdb.connectionString);
  }, 60_000);

  it('rebuilds every read model from the log when Redis comes back empty', async () => {
    const { server, esdb, redis, killRedis, restartRedis } = await startWithExternalRedis({
      PROJECTION_LEASE_TTL_MS: '1500',
    });
    const api = bankApi(() => server.url);
    const account = await api.open();
    for (let index = 0; index < 10; index++) await api.deposit(account.accountId, '3.00');
    await caughtUp(server.url);

    await killRedis();
    await restartRedis({ empty: true });
    const last = await api.deposit(account.accountId, '3.00');

    const { account: read } = await waitFor('the account to be read again', async () => {
      const response = await execute(server.url, AccountDocument, { id: account.accountId, consistentWith: last });
      return response.data?.account ? response.data : undefined;
    });
    expect(read).toMatchObject({ balance: '33.00', revision: 11 });
    await caughtUp(server.url);
    await expectReadModelsEqualARebuild(redis().url, esdb.connectionString);
  }, 30_000);

  it('exits within SHUTDOWN_GRACE_MS plus its close bound on SIGTERM while Redis is dead with subscriptions open', async () => {
    const { server, killRedis } = await startWithExternalRedis({ SHUTDOWN_GRACE_MS: '1000' });
    const client = wsClient(server.wsUrl);
    cleanup(() => client.dispose());
    const api = bankApi(() => server.url);
    const account = await api.open();
    const subscriptions = [
      follow(subscribe(client, TransactionRecordedDocument, { since: account.position })),
      follow(subscribe(client, TransactionRecordedDocument, { accountId: account.accountId, since: account.position })),
    ];
    const position = await api.deposit(account.accountId, '1.00');
    await waitFor('both subscribers to hear the deposit', () =>
      subscriptions.every((subscription) => positionsOf(subscription.items).includes(position)),
    );

    await killRedis();
    await waitFor('the server to notice', async () => (await status(`${server.baseUrl}/readyz`)) === 503);

    const signalled = Date.now();
    expect(await server.stop('SIGTERM')).toBe(0);
    // SHUTDOWN_GRACE_MS (1 s) plus the 5 s close bound.
    expect(Date.now() - signalled).toBeLessThan(6_000);
  }, 30_000);
});

describe('the embedded redis-server', () => {
  const endpointsOf = (server: ServerProcess): EmbeddedEndpoints =>
    JSON.parse(readFileSync(join(server.dataDir, 'run', 'endpoints.json'), 'utf8')) as EmbeddedEndpoints;

  it('is restarted within seconds on its port and data after kill -9, and read models then match a rebuild', async () => {
    const server = await startServerProcess({ PROJECTION_LEASE_TTL_MS: '1500' });
    cleanup(() => server.stop('SIGKILL'));
    const api = bankApi(() => server.url);
    const account = await api.open();
    for (let index = 0; index < 20; index++) await api.deposit(account.accountId, '2.00');
    const before = endpointsOf(server);
    expect(server.output()).toContain(`"redisPid":${before.redisPid}`);

    process.kill(before.redisPid!, 'SIGKILL');
    const killedAt = Date.now();
    const after = await waitFor('a restarted redis-server', () => {
      const now = endpointsOf(server);
      return now.redisPid !== before.redisPid && now;
    });
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(after.redisUrl).toBe(before.redisUrl);
    expect(isGone(before.redisPid!)).toBe(true);
    // The new pid is recorded before the restart is logged, and the log line reaches us through a pipe.
    await waitFor('the restart to be logged', () =>
      server.output().includes('"msg":"restarted embedded redis-server"'),
    );

    const last = await api.deposit(account.accountId, '2.00');
    const { account: read } = await waitFor('the account to be read again', async () => {
      const response = await execute(server.url, AccountDocument, { id: account.accountId, consistentWith: last });
      return response.data?.account ? response.data : undefined;
    });
    expect(read).toMatchObject({ balance: '42.00' });
    expect(await status(`${server.baseUrl}/healthz`)).toBe(200);
    await caughtUp(server.url);
    await expectReadModelsEqualARebuild(after.redisUrl, after.eventStoreConnectionString);
  }, 60_000);

  it('makes /healthz answer 503 when it cannot be restarted, while /healthz stays 200 as long as supervision holds', async () => {
    const server = await startServerProcess();
    cleanup(() => server.stop('SIGKILL'));
    await bankApi(() => server.url).open();
    expect(await status(`${server.baseUrl}/healthz`)).toBe(200);
    // A manifest redis-server cannot read makes every restart fail at once.
    const aofDir = join(server.dataDir, 'redis', 'appendonlydir');
    const manifest = (await readdir(aofDir)).find((name) => name.endsWith('.manifest'));
    writeFileSync(join(aofDir, manifest!), 'not a manifest\n');

    process.kill(endpointsOf(server).redisPid!, 'SIGKILL');
    const health = await waitFor(
      '/healthz to fail',
      async () => {
        const response = await fetch(`${server.baseUrl}/healthz`);
        return response.status === 503 && ((await response.json()) as unknown);
      },
      { timeoutMs: 20_000 },
    );
    expect(health).toMatchObject({ status: 'failing', checks: [{ name: 'embedded redis-server supervision' }] });
    expect(server.output()).toMatch(/"level":60[^\n]*could not be kept running/);
  }, 30_000);
});
