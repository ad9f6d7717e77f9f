import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { commandMetrics } from '../src/core/commands/command-metrics.js';
import type { CommandInvocation, SettledCommand } from '../src/core/commands/command-middleware.js';
import { commandTracing } from '../src/core/commands/command-tracing.js';
import { EsgraphMetrics } from '../src/core/metrics/esgraph-metrics.js';
import { OperationNames } from '../src/core/metrics/operation-names.js';
import { startEmbeddedRedis } from '../src/core/redis/embedded-redis.js';
import { DEFAULT_SAMPLING, type SamplingConfig } from '../src/core/tracing/sampling.js';
import { startTracing } from '../src/core/tracing/tracer-provider.js';
import { OperationRecorder } from '../src/server/operation-record.js';
import { benchAuthorizationFor } from './bench-identity.js';
import { mainThreadOf } from './cpu.js';
import { OPEN, openAccounts } from './deposits.js';
import { dataOf, type GraphQLPost, graphqlClient, type LoadResult, pooled, report } from './load.js';
import { startEsdbLocalProcess, startEsgraphProcess } from './processes.js';
import {
  compare,
  depositingIntoAnyOf,
  esgraphCpuPerOperation,
  profiled,
  ROUND_MS,
  ROUNDS,
  readingAnyOf,
  runRotated,
  serverContender,
  waitUntilProjected,
} from './server-comparison.js';

/*
 * npm run bench:observability — what metrics, the request log and tracing cost per operation.
 * esgraph servers (command and query roles; one more process projects for all of them)
 * differ only in them:
 *   (a) METRICS=off, REQUEST_LOG=off: the baseline;
 *   (same) as (a), a second server: what two identical servers differ by in the run, the floor
 *       under which no other ratio means anything;
 *   (b) METRICS=on, REQUEST_LOG=off, scraped every BENCH_SCRAPE_MS (default 15 s, Prometheus'
 *       usual interval; 1000 for a harsher scraper);
 *   (c) METRICS=on, REQUEST_LOG=on (one info line per operation to stdout, which the bench drains),
 *       scraped alike;
 *   (d) METRICS=on, REQUEST_LOG=off, TRACING=on with no exporter, esgraph's default sampling: one
 *       new trace in a hundred recorded (spans made, with attributes and links, then dropped), the
 *       others skipping the SDK and stamping no traceparent; scraped alike;
 *   (e) as (d) with OTEL_TRACES_SAMPLER=parentbased_always_on: every span of every request made;
 *   (t) tracing as in (d) with METRICS=off: tracing's own share of (d).
 * `account(id)` and `deposit` at 64 clients take turns in rounds on them, as in bench:edge,
 * their order turned each round, each run once the projector has caught up with the ones before;
 * each ratio is the median of the rounds' own ratios.
 *   BENCH_CONTENDERS=a,d  runs only the named set-ups ((a) always): fewer contenders per round
 *                         put each one's runs closer in time to the baseline's.
 *   BENCH_OPERATIONS=deposit  runs only the named operations (account, deposit).
 *   BENCH_WARM_UP_ROUNDS=1  rounds run first and not counted (default 1).
 *   BENCH_FRESH_SERVERS=on  starts new servers for each round (warmed up by BENCH_WARM_UP_ROUNDS,
 *                         not scraped) and stops them after it. For account(id) only: a new
 *                         server has no folds cached, so its deposits read their accounts'
 *                         streams, longer every round, and the rates fall tenfold over a run.
 *   BENCH_INSTANCES=3     starts three servers of each set-up and pools their rounds: one
 *                         process's luck (what V8 made of it) no longer passes for a cost.
 *   PROFILE_DIR=<dir>     runs the servers under `node --cpu-prof`, one profile each in
 *                         <dir>/<key> when they stop (a, d; a1, a2, d1, d2 with instances).
 *   DEOPT_LOG_DIR=<dir>   has V8 log each server's deoptimisations to <dir>/<key>-<pid>.log.
 */

const SCRAPE_MS = Number(process.env.BENCH_SCRAPE_MS ?? 15_000);
/** (e)'s sampler: every span of every request recorded (OpenTelemetry's own default). */
const EVERY_TRACE = { OTEL_TRACES_SAMPLER: 'parentbased_always_on' };
const CLIENTS = 64;
/** `BENCH_OPERATIONS=deposit` runs only the deposits (a profile of one operation's path). */
const OPERATIONS = new Set((process.env.BENCH_OPERATIONS ?? 'account,deposit').split(',').map((name) => name.trim()));
const ACCOUNTS = 1_000;

const stage = (text: string): void => console.error(`[bench:observability] ${text}`);

/** A scraper on `/metrics` until stopped: how many scrapes it made, and how many failed. */
const scraper = (graphqlUrl: string) => {
  const url = graphqlUrl.replace(/\/graphql$/, '/metrics');
  let failures = 0;
  let scrapes = 0;
  const timer = setInterval(() => {
    fetch(url)
      .then(async (response) => {
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        await response.text();
        scrapes++;
      })
      .catch(() => {
        failures++;
      });
  }, SCRAPE_MS);
  return {
    stop: () => clearInterval(timer),
    get failures() {
      return failures;
    },
    get scrapes() {
      return scrapes;
    },
  };
};

/** CPU per call of `work`, after a warm-up, in microseconds. */
const timed = (work: () => void): number => {
  const calls = 200_000;
  for (let index = 0; index < 10_000; index++) work();
  const started = process.cpuUsage();
  for (let index = 0; index < calls; index++) work();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / calls;
};

/**
 * The recording's own CPU, apart from any server: what (b) adds to each operation, measured where
 * the load on this machine moves it least (one loop, no I/O). A query is one operation record; a
 * deposit is that, the command middleware's `after` and a fold-cache count.
 */
const recordingCost = (): { queryUs: number; depositUs: number } => {
  const metrics = new EsgraphMetrics();
  const recorder = new OperationRecorder(undefined, metrics, new OperationNames(100));
  const after = commandMetrics(metrics).after!;
  const caller = { requestId: 'r', userId: 'u' };
  const invocation = { type: 'DepositMoney', receivedAt: 0 } as CommandInvocation;
  const settled = {
    ok: true,
    settledAt: 3,
    batch: { size: 1, attempts: 1, startedAt: 1, appendStartedAt: 2 },
  } as unknown as SettledCommand;
  const query = () =>
    recorder.record({ name: 'Account', type: 'query', outcome: 'ok', startedAt: 0, caller, transport: 'http' });
  return {
    queryUs: timed(query),
    depositUs: timed(() => {
      query();
      metrics.foldLoaded('hit');
      after(invocation, settled);
    }),
  };
};

/**
 * The span work (d) adds, apart from any server, on a tracer with no exporter as (d) runs: a query
 * makes its request, operation and read spans; a deposit its request and operation spans, the
 * tracing middleware's command span with the traceparent for its events, and decide and append.
 */
const spanCost = (
  sampling: SamplingConfig,
  headers: Record<string, string>,
): { queryUs: number; depositUs: number } => {
  const { tracing } = startTracing({ serviceName: 'bench', serviceVersion: '0', exportOtlp: false, sampling });
  const middleware = commandTracing(tracing);
  const request = (name: string) => {
    const http = tracing.startSpan('POST /graphql', { kind: SpanKind.SERVER }, tracing.contextFrom(headers));
    const operation = tracing.startSpan(name, {}, trace.setSpan(ROOT_CONTEXT, http));
    return { http, operation, context: trace.setSpan(ROOT_CONTEXT, operation) };
  };
  const settled = { ok: true, settledAt: 3, batch: { size: 1, attempts: 1 } } as unknown as SettledCommand;
  return {
    queryUs: timed(() => {
      const { http, operation, context } = request('query Account');
      tracing.startSpan('read account', { attributes: { 'graphql.field.name': 'account' } }, context).end();
      operation.end();
      http.end();
    }),
    depositUs: timed(() => {
      const { http, operation, context } = request('mutation Deposit');
      const invocation = {
        type: 'DepositMoney',
        request: { requestId: 'r', traceContext: context },
      } as CommandInvocation;
      // As the pipeline parents decide and append: on the context the middleware held for the command.
      const stamped = (middleware.before!(invocation) as Record<string, unknown> | undefined) ?? {};
      const parent = tracing.commandContext(invocation, stamped);
      tracing.startSpan('decide', { attributes: { 'esgraph.stream': 's' } }, parent).end();
      tracing.startSpan('append', { attributes: { 'esgraph.stream': 's' } }, parent).end();
      middleware.after!(invocation, settled);
      operation.end();
      http.end();
    }),
  };
};

/** The deposits the first metrics server of `on` counted; undefined when no set-up keeps metrics. */
const depositsCounted = async (on: readonly { url: string }[]): Promise<number | undefined> => {
  if (metricsIndex < 0) return undefined;
  const scrape = await (await fetch(on[metricsIndex]!.url.replace(/\/graphql$/, '/metrics'))).text();
  const counted = /esgraph_commands_total\{command="DepositMoney",outcome="ok"\} (\d+)/.exec(scrape)?.[1];
  return counted === undefined ? undefined : Number(counted);
};

/** How many of an account's events carry a `traceparent` in their metadata. */
const stampedTraceparents = async (post: GraphQLPost, accountId: string): Promise<number> => {
  const { accountHistory } = dataOf<{ accountHistory: { edges: { node: { metadata: Record<string, unknown> } }[] } }>(
    await post(HISTORY, { id: accountId }),
  );
  return accountHistory.edges.filter(({ node }) => typeof node.metadata.traceparent === 'string').length;
};
const HISTORY = 'query History($id: ID!) { accountHistory(id: $id) { edges { node { metadata } } } }';

const recording = recordingCost();
/** A client's sampled `traceparent`: every span of its request is recorded. */
const SAMPLED_PARENT = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
const spans = spanCost({ sampler: 'parentbased_always_on', ratio: 1 }, SAMPLED_PARENT);
const unsampled = spanCost(DEFAULT_SAMPLING, {});
stage(
  `recording alone: ${recording.queryUs.toFixed(2)} us per query, ${recording.depositUs.toFixed(2)} us per deposit`,
);

stage(`spans alone: ${spans.queryUs.toFixed(2)} us per query, ${spans.depositUs.toFixed(2)} us per deposit`);
stage(
  `spans alone, default sampling (mostly unrecorded): ${unsampled.queryUs.toFixed(2)} us per query, ${unsampled.depositUs.toFixed(2)} us per deposit`,
);

/** The set-ups compared, (a) the baseline; `BENCH_CONTENDERS=a,d` runs only those named (a always). */
const SET_UPS = [
  { key: 'a', label: 'metrics off, request log off', env: { METRICS: 'off', REQUEST_LOG: 'off' } },
  {
    key: 'same',
    label: 'as (a), a second time',
    env: { METRICS: 'off', REQUEST_LOG: 'off' },
    costOf: 'nothing: what two identical servers differ by',
  },
  { key: 'b', label: 'metrics on, scraped', env: { METRICS: 'on', REQUEST_LOG: 'off' }, costOf: 'metrics' },
  {
    key: 'c',
    label: 'metrics on, scraped, request log on',
    env: { METRICS: 'on', REQUEST_LOG: 'on' },
    costOf: 'metrics and request log',
  },
  {
    key: 't',
    label: 'tracing on, metrics off',
    env: { METRICS: 'off', REQUEST_LOG: 'off', TRACING: 'on' },
    costOf: 'tracing alone',
  },
  {
    key: 'd',
    label: 'metrics on, scraped, tracing on',
    env: { METRICS: 'on', REQUEST_LOG: 'off', TRACING: 'on' },
    costOf: 'metrics and tracing',
  },
  {
    key: 'e',
    label: 'as (d), every trace recorded',
    env: { METRICS: 'on', REQUEST_LOG: 'off', TRACING: 'on', ...EVERY_TRACE },
    costOf: 'metrics and tracing, every trace recorded',
  },
] as const;
const named = new Set([
  'a',
  ...(process.env.BENCH_CONTENDERS ?? 'a,same,b,c,d,e,t').split(',').map((key) => key.trim()),
]);
const setUps = SET_UPS.filter((setUp) => named.has(setUp.key));
/**
 * Servers per set-up (`BENCH_INSTANCES`), each its own process: two identical processes can
 * differ by several percent for the whole run (what V8's compiler made of each, where the
 * scheduler put it), so one process per set-up measures its luck as well as its settings. A
 * set-up's round is its instances' rounds pooled.
 */
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);
/**
 * `BENCH_FRESH_SERVERS=on`: new servers for every round, stopped after it, so each round is
 * other processes and a process's luck is one round's, not the run's.
 */
const FRESH_SERVERS = process.env.BENCH_FRESH_SERVERS === 'on';
/** Rounds each contender runs before the counted ones (`BENCH_WARM_UP_ROUNDS`), in each round with fresh servers. */
const WARM_UP_ROUNDS = Number(process.env.BENCH_WARM_UP_ROUNDS ?? 1);
const instances = setUps.flatMap((setUp) =>
  Array.from({ length: INSTANCES }, (_, instance) => ({
    setUp,
    key: INSTANCES === 1 ? setUp.key : `${setUp.key}${instance + 1}`,
  })),
);

/** Where in `instances` (and so in each set of servers) the first one keeping metrics is; -1: none. */
const metricsIndex = instances.findIndex(({ setUp }) => setUp.env.METRICS === 'on');

/** Each set-up's rounds, its instances' runs of each round pooled into one. */
const bySetUp = (runs: readonly LoadResult[][]): LoadResult[][] =>
  setUps.map((_, setUpIndex) => {
    const own = runs.slice(setUpIndex * INSTANCES, (setUpIndex + 1) * INSTANCES);
    const name = own[0]![0]!.name.replace(/\((\w+?)1\)/, `($1, ${INSTANCES} servers)`);
    return own[0]!.map((_, round) => ({ ...pooled(own.map((instanceRuns) => instanceRuns[round]!)), name }));
  });

stage(`starting redis-server, esdb-local, a projector and ${instances.length} esgraph servers`);
const redis = await startEmbeddedRedis();
const esdb = await startEsdbLocalProcess();
const dependencies = { EVENTSTORE_CONNECTION_STRING: esdb.connectionString, REDIS_URL: redis.url };
const serving = { ...dependencies, SERVICE_ROLES: 'command,query' };
const projector = await startEsgraphProcess({ ...dependencies, SERVICE_ROLES: 'projector', METRICS: 'off' });
const startServers = () =>
  Promise.all(instances.map(({ setUp, key }) => startEsgraphProcess({ ...serving, ...setUp.env }, profiled(key))));
const servers = await startServers();
const scrapers = servers
  .filter((_, index) => instances[index]!.setUp.env.METRICS === 'on')
  .map((server) => scraper(server.url));
try {
  // A teller and manager, as bench:commands and bench:queries send: no auditor, whose reads log lines of their own.
  const authorization = await benchAuthorizationFor('bench-observability', ['teller', 'manager']);
  const clients = servers.map((server) => graphqlClient(server.url, CLIENTS, authorization));
  const [plain, plainClient] = [servers[0]!, clients[0]!];
  const metricsOff = await fetch(plain.url.replace(/\/graphql$/, '/metrics'));
  if (metricsOff.status !== 404) throw new Error(`(a) answered /metrics with ${metricsOff.status}, not 404`);

  const accountIds = () => Array.from({ length: ACCOUNTS }, () => randomUUID());
  const read = accountIds();
  const deposited = instances.map(() => accountIds());
  await Promise.all([
    openAccounts(plainClient, read),
    ...clients.map((client, index) => openAccounts(client, deposited[index]!)),
  ]);
  stage(`opened ${ACCOUNTS * (instances.length + 1)} accounts; waiting for the read models`);
  // An account opened with a client's sampled traceparent: a tracing server stamps the trace
  // context into its event, the others none.
  for (const [index, { setUp, key }] of instances.entries()) {
    const accountId = randomUUID();
    const opened = await fetch(servers[index]!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization, ...SAMPLED_PARENT },
      body: JSON.stringify({ query: OPEN, variables: { input: { accountId, ownerId: 'bench', currency: 'EUR' } } }),
    });
    if (!opened.ok) throw new Error(`(${key}) answered a traced openAccount with ${opened.status}`);
    const stamped = await stampedTraceparents(clients[index]!, accountId);
    const expected = 'TRACING' in setUp.env ? 1 : 0;
    if (stamped !== expected) throw new Error(`traceparents stamped by (${key}): ${stamped}; tracing was not as set`);
  }
  await waitUntilProjected(plainClient);
  // With fresh servers, the first (a) stays only to tell when the projector has caught up.
  if (FRESH_SERVERS) {
    for (const scrape of scrapers) scrape.stop();
    await Promise.all(servers.slice(1).map((server) => server.stop()));
  }

  // Each run starts once the projector has caught up with the runs before it.
  const caughtUp = () => waitUntilProjected(plainClient);
  type Operation = (post: GraphQLPost, index: number) => () => Promise<void>;
  const contendersOn = (operation: string, on: typeof servers, posts: readonly GraphQLPost[], operationOf: Operation) =>
    instances.map(({ setUp, key }, index) =>
      serverContender(`${operation} (${key}) ${setUp.label}`, on[index]!, operationOf(posts[index]!, index), CLIENTS),
    );
  const freshCounts: (number | undefined)[] = [];
  /** One counted round on servers started for it, after their warm-up; their order turned by `round`. */
  const freshRound = async (operation: string, operationOf: Operation, round: number): Promise<LoadResult[]> => {
    const fresh = await startServers();
    try {
      const posts = fresh.map((server) => graphqlClient(server.url, CLIENTS, authorization));
      const contenders = contendersOn(operation, fresh, posts, operationOf);
      await runRotated(contenders, WARM_UP_ROUNDS, ROUND_MS, caughtUp, round);
      const measured = await runRotated(contenders, 1, ROUND_MS, caughtUp, round);
      if (operation === 'deposit') freshCounts.push(await depositsCounted(fresh));
      return measured.map(([result]) => result!);
    } finally {
      await Promise.all(fresh.map((server) => server.stop()));
    }
  };
  const rounds = async (operation: string, operationOf: Operation) => {
    const each = FRESH_SERVERS ? ', new servers each round' : '';
    if (FRESH_SERVERS && operation === 'deposit') {
      stage('new servers read every account stream again: deposit rates will fall round after round');
    }
    stage(`${operation}: ${instances.length} contenders, ${ROUNDS} rounds of ${ROUND_MS} ms${each}`);
    let runs: LoadResult[][];
    if (FRESH_SERVERS) {
      runs = instances.map(() => []);
      for (let round = 0; round < ROUNDS; round++) {
        const results = await freshRound(operation, operationOf, round);
        for (const [index, result] of results.entries()) runs[index]!.push(result);
      }
    } else {
      const contenders = contendersOn(operation, servers, clients, operationOf);
      // One round each first, not counted: a server's first deposits into its accounts read their
      // streams (no fold cached yet) and its code is still being compiled, and which server got
      // warm first would decide the early rounds' ratios.
      await runRotated(contenders, WARM_UP_ROUNDS, ROUND_MS, caughtUp);
      runs = await runRotated(contenders, ROUNDS, ROUND_MS, caughtUp);
    }
    // Each server on its own as well: one process far from its twin shows in none of the pooled figures.
    for (const [index, { key }] of instances.entries()) {
      const whole = pooled(runs[index]!);
      stage(
        `${operation} (${key}): ${Math.round(whole.perSecond)} ops/s, esgraph CPU ${esgraphCpuPerOperation(whole)} us/op` +
          ` (main thread ${esgraphCpuPerOperation(whole, mainThreadOf('esgraph'))})`,
      );
    }
    return bySetUp(runs);
  };
  const queries = OPERATIONS.has('account') ? await rounds('account(id)', (post) => readingAnyOf(post, read)) : [];
  const deposits = OPERATIONS.has('deposit')
    ? await rounds('deposit', (post, index) => depositingIntoAnyOf(post, deposited[index]!))
    : [];
  for (const scrape of scrapers) scrape.stop();

  // The metrics were kept: a scrape of a metrics server after the rounds counts the deposits it took
  // (with fresh servers, one of the last round's, before it stopped).
  const counted = FRESH_SERVERS ? freshCounts.at(-1) : await depositsCounted(servers);
  const results = [...queries, ...deposits].map(pooled);
  const comparisons: Record<string, string> = {};
  for (const [index, setUp] of setUps.entries()) {
    if (!('costOf' in setUp)) continue;
    if (queries.length > 0)
      comparisons[`account(id) (${setUp.key})/(a), ${setUp.costOf}`] = compare(queries[index]!, queries[0]!);
    if (deposits.length > 0)
      comparisons[`deposit (${setUp.key})/(a), ${setUp.costOf}`] = compare(deposits[index]!, deposits[0]!);
  }
  report('observability-costs', results, {
    ...comparisons,
    scrapes: `${scrapers.map((scrape) => scrape.scrapes).join(' + ')} every ${SCRAPE_MS} ms, ${scrapers.map((scrape) => scrape.failures).join(' + ')} failed`,
    'deposits counted by a metrics server after the rounds': counted ?? 'none',
    'recording alone, CPU per operation': `account(id) ${recording.queryUs.toFixed(2)} us, deposit ${recording.depositUs.toFixed(2)} us`,
    'spans alone, every span recorded, CPU per operation': `account(id) ${spans.queryUs.toFixed(2)} us, deposit ${spans.depositUs.toFixed(2)} us`,
    'spans alone, default sampling, CPU per operation': `account(id) ${unsampled.queryUs.toFixed(2)} us, deposit ${unsampled.depositUs.toFixed(2)} us`,
    ...Object.fromEntries(
      [...queries, ...deposits].map((runs) => [
        `ops/s by round, ${runs[0]!.name}`,
        runs.map((run) => Math.round(run.perSecond)).join(' '),
      ]),
    ),
    ...Object.fromEntries(
      [...queries, ...deposits].map((runs) => [
        `esgraph CPU us/op by round (main thread), ${runs[0]!.name}`,
        runs
          .map((run) => `${esgraphCpuPerOperation(run)} (${esgraphCpuPerOperation(run, mainThreadOf('esgraph'))})`)
          .join(' '),
      ]),
    ),
    rounds: `${ROUNDS} x ${ROUND_MS / 1000} s each after ${WARM_UP_ROUNDS} not counted, ${CLIENTS} clients, ${INSTANCES} server${INSTANCES === 1 ? '' : 's'} per set-up`,
  });
  const failed = results.filter((result) => result.errors > 0);
  if (failed.length > 0) {
    throw new Error(`errors in ${failed.map((result) => `${result.name} (${result.errors})`).join(', ')}`);
  }
  if (deposits.length > 0 && metricsIndex >= 0 && (counted === undefined || counted === 0)) {
    throw new Error('the metrics server counted no deposit: metrics were not kept');
  }
} finally {
  for (const scrape of scrapers) scrape.stop();
  await Promise.all([projector, ...servers].map((server) => server.stop()));
  await redis.stop();
  await esdb.stop();
}
