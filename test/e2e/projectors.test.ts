import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { jsonEvent } from '@eventstore/db-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../src/app.js';
import { connectEventStore, type EventStoreClient } from '../../src/core/eventstore/client.js';
import { createLogger } from '../../src/core/logger.js';
import { readActiveVersion } from '../../src/core/projections/active-version.js';
import { rebuildProjection } from '../../src/core/projections/runner/projection-admin.js';
import { connectRedis, type RedisClient } from '../../src/core/redis/client.js';
import { domainProcessManagers, domainProjections } from '../../src/domains/index.js';
import {
  AccountDocument,
  BankStatsDocument,
  MoneyInTransitDocument,
  ProjectionsDocument,
  RequestTransferDocument,
} from '../generated/graphql.js';
import { bankApi } from '../support/bank-api.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../support/esgraph.js';
import { executeOk } from '../support/graphql-client.js';
import { dumpBuild } from '../support/read-model-dump.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

/*
 * Projector processes (`node dist/main.js` with SERVICE_ROLES=projector) against one event store
 * and one Redis, killed, doubled and rebuilt under them, while an in-process node takes the
 * mutations and answers the queries.
 */

const projectionNames = domainProjections().map((projection) => projection.name);
const cli = new URL('../../dist/projections-cli.js', import.meta.url).pathname;

/** Log lines at warn (40) or above. */
const warningLines = (output: string): string[] => output.split('\n').filter((line) => /"level":[4-6]\d/.test(line));

describe('projector processes', () => {
  let dependencies: TestDependencies;
  let node: RunningEsgraph;
  let eventStore: EventStoreClient;
  let redis: RedisClient;
  const processes: ServerProcess[] = [];
  const api = bankApi(() => node.url);

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    node = await startTestEsgraph(dependencies, { SERVICE_ROLES: 'command,query' });
    eventStore = connectEventStore(dependencies.esdb.connectionString);
    redis = await connectRedis(dependencies.redis.url);
  });
  afterAll(async () => {
    await Promise.all(processes.map((process) => process.stop('SIGKILL')));
    await node?.stop();
    await eventStore?.dispose();
    await redis?.close();
    await dependencies?.stop();
  });

  const startProjector = async (): Promise<ServerProcess> => {
    const projector = await startServerProcess({
      SERVICE_ROLES: 'projector',
      REDIS_URL: dependencies.redis.url,
      EVENTSTORE_CONNECTION_STRING: dependencies.esdb.connectionString,
      PROJECTION_LEASE_TTL_MS: '900',
    });
    processes.push(projector);
    return projector;
  };

  const projections = async (url = node.url) => (await executeOk(url, ProjectionsDocument)).projections;

  /**
   * Every read model and every process manager at the log's head, seen in one answer: the
   * transfers' process manager appends steps, so the read models are caught up only once it is
   * too, with nothing left to project from it.
   */
  const caughtUp = () =>
    waitFor(
      'every read model and process manager to catch up',
      async () => {
        const rows = await projections();
        const readModels = rows.filter((p) => p.kind === 'PROJECTION');
        return (
          readModels.length === projectionNames.length &&
          readModels.every((p) => p.activeBuild !== null) &&
          rows.every((p) => p.lagEvents === 0)
        );
      },
      { timeoutMs: 30_000 },
    );

  /**
   * Random deposits and withdrawals over a few accounts, through the command node, and now and
   * then a transfer asked for, which the projector processes' process manager carries out.
   */
  const traffic = async (accounts: readonly string[], operations: number) => {
    for (let index = 0; index < operations; index++) {
      const accountId = accounts[index % accounts.length]!;
      if (index % 10 === 9) {
        const toAccountId = accounts[(index + 1) % accounts.length]!;
        await executeOk(node.url, RequestTransferDocument, {
          input: { fromAccountId: accountId, toAccountId, amount: '0.01' },
        });
        continue;
      }
      // Every account gets a deposit before any withdrawal, so none is refused.
      if (index >= accounts.length && index % 3 === 2) await api.withdraw(accountId, '0.01');
      else await api.deposit(accountId, `${1 + (index % 7)}.25`);
    }
  };

  it('leaves read models equal to a from-scratch rebuild after being killed at any moment', async () => {
    const accounts = await Promise.all(Array.from({ length: 12 }, async () => (await api.open()).accountId));
    await traffic(accounts, 300);
    for (let round = 0; round < 4; round++) {
      const projector = await startProjector();
      const before = await redis.get('proj:{account-summary}:v1000:checkpoint');
      // Kill it mid-work: as soon as it has committed something this round, with traffic flowing.
      const moreTraffic = traffic(accounts, 60);
      await waitFor('the projector to commit a batch', async () => {
        const now = await redis.get('proj:{account-summary}:v1000:checkpoint');
        return now !== null && now !== before;
      });
      expect(await projector.stop('SIGKILL')).toBe('SIGKILL');
      await moreTraffic;
    }
    const last = await startProjector();
    await caughtUp();
    expect(await last.stop('SIGTERM')).toBe(0);

    const log = createLogger('silent');
    await Promise.all(
      domainProjections().map(async (projection) => {
        const kept = await readActiveVersion(redis, projection.name);
        const incremental = await dumpBuild(redis, projection.name, kept!);
        const { build } = await rebuildProjection({ eventStore, redis, log }, projection);
        expect(await dumpBuild(redis, projection.name, build), `${projection.name} rebuilt`).toEqual(incremental);
        expect(Object.keys(incremental).length).toBeGreaterThan(0);
      }),
    );
    // Money is conserved across the read models too: the totals are the accounts' balances plus
    // what transfers have debited and not yet credited or refunded (these are the only accounts
    // so far: this test runs first).
    const { bankStats } = await executeOk(node.url, MoneyInTransitDocument, { consistentWith: null });
    const balances = await Promise.all(
      accounts.map(async (id) => (await executeOk(node.url, AccountDocument, { id })).account!.balance),
    );
    const sum = balances.reduce((total, balance) => total + Math.round(Number(balance) * 100), 0);
    const eur = bankStats.totals.find((total) => total.currency === 'EUR')!;
    expect(Math.round(Number(eur.balance) * 100)).toBe(sum + Math.round(Number(eur.inTransit) * 100));
    // Five projector processes start one after another: on a loaded machine that alone can pass 30 s.
  }, 90_000);

  it('lets one of two projector processes write each read model, and the other take over when it dies', async () => {
    const [first, second] = await Promise.all([startProjector(), startProjector()]);
    const { accountId } = await api.open();
    await caughtUp();
    const states = async () => {
      const [a, b] = await Promise.all([projections(first.url), projections(second.url)]);
      return projectionNames.map((name) => [
        a.find((p) => p.name === name)?.runnerState,
        b.find((p) => p.name === name)?.runnerState,
      ]);
    };
    await waitFor('each read model to have one live writer and one standby', async () =>
      (await states()).every((pair) => pair.filter((state) => state === 'live').length === 1),
    );
    for (const pair of await states()) expect(pair.sort()).toEqual(['live', 'waiting-for-lease']);

    const writerOfSummary =
      (await states())[projectionNames.indexOf('account-summary')]![0] === 'live' ? first : second;
    const survivor = writerOfSummary === first ? second : first;
    await writerOfSummary.stop('SIGKILL');
    const position = await api.deposit(accountId, '5.00');
    const { account } = await executeOk(node.url, AccountDocument, { id: accountId, consistentWith: position });
    expect(account?.balance).toBe('5.00');
    // The account read waited for account-summary only; the other read models change hands on their own leases.
    await waitFor('the survivor to write every read model', async () =>
      (await projections(survivor.url)).every((p) => p.runnerState === 'live'),
    );
    await survivor.stop('SIGTERM');
  });

  it('parks a poison event visibly and keeps projecting what follows', async () => {
    const projector = await startProjector();
    const { accountId } = await api.open();
    // An event no command would write: a deposit without an amount or a currency.
    await eventStore.appendToStream(`account-${accountId}`, jsonEvent({ type: 'MoneyDeposited', data: { accountId } }));
    const position = await api.deposit(accountId, '2.00');
    await executeOk(node.url, BankStatsDocument, { consistentWith: position });
    const report = await projections();
    expect(report.find((p) => p.name === 'bank-stats')?.parked).toBeGreaterThanOrEqual(1);
    expect(report.every((p) => p.lagEvents === 0)).toBe(true);
    await projector.stop('SIGTERM');
  });

  it('rebuilds a read model with the CLI while queries keep answering from the old build', async () => {
    const projector = await startProjector();
    const { accountId } = await api.open();
    const position = await api.deposit(accountId, '42.00');
    await executeOk(node.url, AccountDocument, { id: accountId, consistentWith: position });
    const before = await readActiveVersion(redis, 'account-summary');

    let answered = 0;
    let rebuilding = true;
    const queries = (async () => {
      while (rebuilding) {
        const { account } = await executeOk(node.url, AccountDocument, { id: accountId });
        expect(account?.balance).toBe('42.00');
        answered++;
      }
    })();
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'rebuild', 'account-summary'], {
      env: {
        PATH: process.env.PATH,
        REDIS_URL: dependencies.redis.url,
        EVENTSTORE_CONNECTION_STRING: dependencies.esdb.connectionString,
        LOG_LEVEL: 'warn',
      },
    });
    rebuilding = false;
    await queries;
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^rebuilding account-summary from the start of the log \(up to position \d+ now\) into a new build; readers keep the current one until the new one has caught up$/,
    );
    expect(lines.at(-1)).toBe(
      `rebuilt account-summary: readers now use build ${before! + 1}; build ${before} is deleted once no read can still be using it`,
    );
    expect(answered).toBeGreaterThan(0);
    expect(await readActiveVersion(redis, 'account-summary')).toBe(before! + 1);
    // The projector follows the new build: a new write shows up in it.
    const next = await api.deposit(accountId, '1.00');
    const { account } = await executeOk(node.url, AccountDocument, { id: accountId, consistentWith: next });
    expect(account?.balance).toBe('43.00');
    // Following a rebuild is routine: nothing about it is a warning.
    expect(warningLines(projector.output())).toEqual([]);
    await projector.stop('SIGTERM');
  });

  it('resets a read model with the CLI: readers switch to an empty build that the projector fills again', async () => {
    const projector = await startProjector();
    const { accountId } = await api.open();
    const position = await api.deposit(accountId, '9.00');
    await executeOk(node.url, AccountDocument, { id: accountId, consistentWith: position });
    const before = await readActiveVersion(redis, 'account-summary');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'reset', 'account-summary'], {
      env: {
        PATH: process.env.PATH,
        REDIS_URL: dependencies.redis.url,
        EVENTSTORE_CONNECTION_STRING: dependencies.esdb.connectionString,
      },
    });
    expect(stdout.trim()).toBe(
      `reset account-summary: readers now use the new, empty build ${before! + 1} (build ${before} is deleted); ` +
        'the running projectors fill it from the start of the log, and until they have caught up it answers with what they have projected so far',
    );
    expect(await readActiveVersion(redis, 'account-summary')).toBe(before! + 1);
    // The projector notices, and builds the new one from the start of the log.
    const next = await api.deposit(accountId, '1.00');
    const { account } = await executeOk(node.url, AccountDocument, { id: accountId, consistentWith: next });
    expect(account?.balance).toBe('10.00');
    // Its lease went with the deleted build, which is what a reset does: no warning.
    expect(warningLines(projector.output())).toEqual([]);
    await projector.stop('SIGTERM');
  });

  it('reports every read model and process manager through the CLI against an embedded server, which then stops promptly', async () => {
    // No REDIS_URL or EVENTSTORE_CONNECTION_STRING: its own esdb-local and redis-server, found
    // by the CLI through DATA_DIR.
    const embedded = await startServerProcess();
    processes.push(embedded);
    await waitFor('its read models to run', async () =>
      (await projections(embedded.url)).every((p) => p.runnerState === 'live'),
    );
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'status'], {
      env: { PATH: process.env.PATH, DATA_DIR: embedded.dataDir },
    });
    // An aligned table: a header, then one row per read model and process manager, each cell
    // starting under its column's name; no quotes, no box drawing.
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(
      /^projection +kind +code +build +checkpoint +head +lag +lag age +writer +parked +on failure +streams +halted$/,
    );
    const names = [...projectionNames, ...domainProcessManagers().map(({ name }) => name)];
    expect(rows.map((row) => row.split(' ')[0])).toEqual(names);
    const kindAt = header!.indexOf('kind');
    const streamsAt = header!.indexOf('streams');
    for (const row of rows) {
      expect(row.slice(kindAt)).toMatch(/^(read model|process manager) /);
      expect(row.slice(streamsAt)).toMatch(/^(all|[a-z]+-\*) /);
    }
    expect(stdout).not.toMatch(/['"│┌─]/);
    expect(await embedded.stop('SIGTERM')).toBe(0);
  });
});
