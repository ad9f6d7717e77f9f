import { randomUUID } from 'node:crypto';
import { startEmbeddedRedis } from '../src/core/redis/embedded-redis.js';
import { benchAuthorizationFor } from './bench-identity.js';
import { openAccounts } from './deposits.js';
import { graphqlClient, type LoadResult, pooled, report } from './load.js';
import { esgraphNodeArgs, startEsdbLocalProcess, startEsgraphProcess } from './processes.js';
import {
  compare,
  depositingIntoAnyOf,
  profiled,
  ROUND_MS,
  ROUNDS,
  readingAnyOf,
  runRotated,
  serverContender,
  waitUntilProjected,
} from './server-comparison.js';

/*
 * npm run bench:young-generation — what the size of V8's young generation does to esgraph. Two
 * esgraph servers (command and query roles; one more process projects for both) differ only in
 * the node flag every esgraph process gets (`esgraphNodeArgs`, as `npm start` and the image run
 * it):
 *   (a) --max-semi-space-size=16, V8's default on this machine: the baseline;
 *   (b) esgraph's own flags (--max-semi-space-size=64).
 * `account(id)` and `deposit` at 64 clients take turns in rounds (`BENCH_ROUNDS`, default 3) on
 * the two, their order turned each round, each run once the projector has caught up; each ratio
 * is the median of the rounds' own ratios.
 *   PROFILE_DIR=<dir>  profiles the two servers into <dir>/a and <dir>/b.
 */

const CLIENTS = 64;
const ACCOUNTS = 1_000;
/** Given after esgraph's own flags, so it wins: V8 takes the last of a repeated flag. */
const V8_DEFAULT = ['--max-semi-space-size=16'];

const stage = (text: string): void => console.error(`[bench:young-generation] ${text}`);

stage(`starting redis-server, esdb-local, a projector and two esgraph servers (${esgraphNodeArgs.join(' ')})`);
const redis = await startEmbeddedRedis();
const esdb = await startEsdbLocalProcess();
const dependencies = { EVENTSTORE_CONNECTION_STRING: esdb.connectionString, REDIS_URL: redis.url };
const serving = { ...dependencies, SERVICE_ROLES: 'command,query' };
const servers = await Promise.all([
  startEsgraphProcess({ ...dependencies, SERVICE_ROLES: 'projector', METRICS: 'off' }),
  startEsgraphProcess(serving, [...profiled('a'), ...V8_DEFAULT]),
  startEsgraphProcess(serving, profiled('b')),
]);
const [, smaller, esgraphs] = servers;
try {
  const authorization = await benchAuthorizationFor('bench-young-generation', ['teller', 'manager']);
  const clients = {
    a: graphqlClient(smaller.url, CLIENTS, authorization),
    b: graphqlClient(esgraphs.url, CLIENTS, authorization),
  };
  const accountIds = () => Array.from({ length: ACCOUNTS }, () => randomUUID());
  const read = accountIds();
  const deposited = { a: accountIds(), b: accountIds() };
  await Promise.all([
    openAccounts(clients.a, read),
    openAccounts(clients.a, deposited.a),
    openAccounts(clients.b, deposited.b),
  ]);
  stage(`opened ${ACCOUNTS * 3} accounts; waiting for the read models`);
  await waitUntilProjected(clients.a);
  // Each run starts once the projector has caught up with the runs before it.
  const caughtUp = () => waitUntilProjected(clients.a);
  const contender = (name: string, server: { child: { pid?: number | undefined } }, operation: () => Promise<void>) =>
    serverContender(name, server, operation, CLIENTS);
  stage(`account(id): ${ROUNDS} rounds of ${ROUND_MS} ms`);
  const [queryA, queryB] = (await runRotated(
    [
      contender('account(id) (a) semi-space 16 MiB', smaller, readingAnyOf(clients.a, read)),
      contender('account(id) (b) semi-space 64 MiB', esgraphs, readingAnyOf(clients.b, read)),
    ],
    ROUNDS,
    ROUND_MS,
    caughtUp,
  )) as [LoadResult[], LoadResult[]];
  stage(`deposit: ${ROUNDS} rounds of ${ROUND_MS} ms`);
  const [depositA, depositB] = (await runRotated(
    [
      contender('deposit (a) semi-space 16 MiB', smaller, depositingIntoAnyOf(clients.a, deposited.a)),
      contender('deposit (b) semi-space 64 MiB', esgraphs, depositingIntoAnyOf(clients.b, deposited.b)),
    ],
    ROUNDS,
    ROUND_MS,
    caughtUp,
  )) as [LoadResult[], LoadResult[]];
  const results = [queryA, queryB, depositA, depositB].map(pooled);
  report('young-generation', results, {
    'account(id) (b)/(a)': compare(queryB, queryA),
    'deposit (b)/(a)': compare(depositB, depositA),
    rounds: `${ROUNDS} x ${ROUND_MS / 1000} s each, ${CLIENTS} clients`,
  });
  const failed = results.filter((result) => result.errors > 0);
  if (failed.length > 0) throw new Error(`errors in ${failed.map((result) => result.name).join(', ')}`);
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await redis.stop();
  await esdb.stop();
}
