import { randomUUID } from 'node:crypto';
import { connectRedis } from '../src/core/redis/client.js';
import { startEmbeddedRedis } from '../src/core/redis/embedded-redis.js';
import { benchAuthorizationFor } from './bench-identity.js';
import { OPEN, openAccounts } from './deposits.js';
import { dataOf, type GraphQLPost, graphqlClient, type LoadResult, pooled, report, runInterleaved } from './load.js';
import { startEsdbLocalProcess, startEsgraphProcess } from './processes.js';
import {
  ACCOUNT,
  compare,
  depositingIntoAnyOf,
  MAX_OPERATIONS_PER_ROUND,
  profiled,
  ROUND_MS,
  ROUNDS,
  readAccount,
  readingAnyOf,
  waitUntilProjected,
} from './server-comparison.js';

/*
 * npm run bench:edge — what the edge's per-request work costs: token verification with the access
 * policy, and the rate limits' Redis round trip. Four esgraph servers (command and query roles,
 * one more process projecting for all of them) differ only in that work:
 *   (a) AUTH=off, RATE_LIMIT=off, clients send no token: the baseline;
 *   (b) the access policy on, clients send a token, RATE_LIMIT=off (verified tokens cached, the default);
 *   (c) as (b), and RATE_LIMIT=on with limits far above what the run sends, so nothing is refused;
 *   (d) as (b) with TOKEN_CACHE_MS=0: every request's signature checked.
 * `account(id)` queries and `deposit` mutations at 64 clients take turns in rounds on the four;
 * each ratio is the median of the rounds' own ratios. Queries are also run in (b) with a teller
 * token (the staff token includes auditor, whose every read is logged) and with a customer token
 * reading its own accounts (an ownership check, its owner lookup cached in memory).
 *   PROFILE_DIR=<dir>  runs the four servers under `node --cpu-prof`, one profile each in
 *                      <dir>/a to <dir>/d when they stop.
 */

const CLIENTS = 64;
const ACCOUNTS = 1_000;
/** The most config allows, per window of a minute: far above a run's requests, so no 429. */
const FAR_ABOVE_THE_RUN = '10000000';
const CUSTOMER = 'bench-customer';

const stage = (text: string): void => console.error(`[bench:edge] ${text}`);

stage('starting redis-server, esdb-local, a projector and four esgraph servers');
const redis = await startEmbeddedRedis();
const esdb = await startEsdbLocalProcess();
const dependencies = { EVENTSTORE_CONNECTION_STRING: esdb.connectionString, REDIS_URL: redis.url };
const serving = { ...dependencies, SERVICE_ROLES: 'command,query' };
const servers = await Promise.all([
  startEsgraphProcess({ ...dependencies, SERVICE_ROLES: 'projector' }),
  startEsgraphProcess({ ...serving, AUTH: 'off', RATE_LIMIT: 'off' }, profiled('a')),
  startEsgraphProcess({ ...serving, RATE_LIMIT: 'off' }, profiled('b')),
  startEsgraphProcess(
    { ...serving, RATE_LIMIT: 'on', RATE_LIMIT_PER_IP: FAR_ABOVE_THE_RUN, RATE_LIMIT_PER_USER: FAR_ABOVE_THE_RUN },
    profiled('c'),
  ),
  startEsgraphProcess({ ...serving, RATE_LIMIT: 'off', TOKEN_CACHE_MS: '0' }, profiled('d')),
]);
const [, open, guarded, limited, uncached] = servers;
try {
  // The staff token of (b) and (c) includes auditor on purpose: staff minus teller is what an
  // auditor's logged read costs.
  const [staffAuthorization, tellerAuthorization, customerAuthorization] = await Promise.all([
    benchAuthorizationFor('bench-staff', ['teller', 'manager', 'auditor']),
    benchAuthorizationFor('bench-teller', ['teller']),
    benchAuthorizationFor(CUSTOMER, ['customer']),
  ]);
  const clients = {
    a: graphqlClient(open.url, CLIENTS, false),
    b: graphqlClient(guarded.url, CLIENTS, staffAuthorization),
    bTeller: graphqlClient(guarded.url, CLIENTS, tellerAuthorization),
    bCustomer: graphqlClient(guarded.url, CLIENTS, customerAuthorization),
    c: graphqlClient(limited.url, CLIENTS, staffAuthorization),
    d: graphqlClient(uncached.url, CLIENTS, staffAuthorization),
  };

  // The set-ups are what they say: (a) serves a caller without a token, (b) refuses one.
  dataOf(await clients.a(ACCOUNT, { id: randomUUID() }));
  const refusal = await graphqlClient(guarded.url, 1, false)(ACCOUNT, { id: randomUUID() });
  if (!JSON.stringify(refusal.errors ?? []).includes('FORBIDDEN')) {
    throw new Error(`(b) answered an anonymous account(id) without FORBIDDEN: ${JSON.stringify(refusal)}`);
  }

  // The customer's accounts, which every set-up reads; each server deposits into accounts of its
  // own, since a server's folds go stale when another writes to its accounts.
  const accountIds = () => Array.from({ length: ACCOUNTS }, () => randomUUID());
  const read = accountIds();
  const deposited = { a: accountIds(), b: accountIds(), c: accountIds(), d: accountIds() };
  const openRead = async () => {
    for (let index = 0; index < read.length; index += 50) {
      await Promise.all(
        read
          .slice(index, index + 50)
          .map(async (accountId) =>
            dataOf(await clients.b(OPEN, { input: { accountId, ownerId: CUSTOMER, currency: 'EUR' } })),
          ),
      );
    }
  };
  await Promise.all([
    openRead(),
    ...(['a', 'b', 'c', 'd'] as const).map((setUp) => openAccounts(clients[setUp], deposited[setUp])),
  ]);
  stage(`opened ${ACCOUNTS * 5} accounts; waiting for the read models`);
  await waitUntilProjected(clients.b);
  // Each owner is read from the log once, then cached: the rounds measure the cached check.
  for (let index = 0; index < read.length; index += CLIENTS) {
    await Promise.all(read.slice(index, index + CLIENTS).map((id) => readAccount(clients.bCustomer, id)()));
  }

  const query = (post: GraphQLPost) => readingAnyOf(post, read);
  const deposit = depositingIntoAnyOf;
  const contender = (
    name: string,
    server: { child: { pid?: number | undefined } },
    operation: () => Promise<void>,
    watchStore = false,
  ) => ({
    name,
    concurrency: CLIENTS,
    operation,
    maxOperations: MAX_OPERATIONS_PER_ROUND,
    watch: { esgraph: server.child.pid, ...(watchStore ? { 'esdb-local': esdb.child.pid } : {}) },
  });

  stage(`account(id): 6 contenders, ${ROUNDS} rounds of ${ROUND_MS} ms`);
  const [queryA, queryB, queryTeller, queryC, queryCustomer, queryD] = (await runInterleaved(
    [
      contender('account(id) (a) auth off, no token', open, query(clients.a)),
      contender('account(id) (b) auth on, staff token', guarded, query(clients.b)),
      contender('account(id) (b) auth on, teller token', guarded, query(clients.bTeller)),
      contender('account(id) (c) auth on, staff token, rate limits', limited, query(clients.c)),
      contender('account(id) (b) auth on, customer token, own accounts', guarded, query(clients.bCustomer)),
      contender('account(id) (d) as (b), TOKEN_CACHE_MS=0', uncached, query(clients.d)),
    ],
    ROUNDS,
    ROUND_MS,
  )) as [LoadResult[], LoadResult[], LoadResult[], LoadResult[], LoadResult[], LoadResult[]];

  stage(`deposit: 4 contenders, ${ROUNDS} rounds of ${ROUND_MS} ms`);
  const [depositA, depositB, depositC, depositD] = (await runInterleaved(
    [
      contender('deposit (a) auth off, no token', open, deposit(clients.a, deposited.a), true),
      contender('deposit (b) auth on, staff token', guarded, deposit(clients.b, deposited.b), true),
      contender('deposit (c) auth on, staff token, rate limits', limited, deposit(clients.c, deposited.c), true),
      contender('deposit (d) as (b), TOKEN_CACHE_MS=0', uncached, deposit(clients.d, deposited.d), true),
    ],
    ROUNDS,
    ROUND_MS,
  )) as [LoadResult[], LoadResult[], LoadResult[], LoadResult[]];

  // The limits were counted, in Redis, during (c): the round trip was made, not skipped.
  const counters = await connectRedis(redis.url);
  const rateKeys = await counters.keys('esgraph:rate:*');
  await counters.close();

  const results = [
    ...[queryA, queryB, queryTeller, queryC, queryCustomer, queryD],
    ...[depositA, depositB, depositC, depositD],
  ].map(pooled);
  report('edge-costs', results, {
    'account(id) (b)/(a), token + policy (staff token: teller, manager, auditor)': compare(queryB, queryA),
    'account(id) (b)/(a), token + policy (teller token: no audit log line)': compare(queryTeller, queryA),
    'account(id) (c)/(b), rate limits in Redis': compare(queryC, queryB),
    'account(id) customer/(a), token + policy + ownership check': compare(queryCustomer, queryA),
    'deposit (b)/(a), token + policy': compare(depositB, depositA),
    'deposit (c)/(b), rate limits in Redis': compare(depositC, depositB),
    'account(id) (b)/(d), the verified-token cache': compare(queryB, queryD),
    'deposit (b)/(d), the verified-token cache': compare(depositB, depositD),
    'rate-limit counters in Redis after the run': rateKeys.sort().join(' '),
    rounds: `${ROUNDS} x ${ROUND_MS / 1000} s each, ${CLIENTS} clients`,
  });
  const failed = results.filter((result) => result.errors > 0);
  if (failed.length > 0) {
    throw new Error(`errors in ${failed.map((result) => `${result.name} (${result.errors})`).join(', ')}`);
  }
  if (rateKeys.length === 0) throw new Error('(c) counted nothing in Redis: rate limits were not on');
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await redis.stop();
  await esdb.stop();
}
