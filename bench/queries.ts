import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { readActiveVersion } from '../src/core/projections/active-version.js';
import { readCheckpoint } from '../src/core/projections/checkpoint.js';
import { decodeProgress } from '../src/core/projections/progress-messages.js';
import { progressChannel } from '../src/core/pubsub/channels.js';
import { connectRedis } from '../src/core/redis/client.js';
import { startEmbeddedRedis } from '../src/core/redis/embedded-redis.js';
import { benchAuthorization } from './bench-identity.js';
import {
  dataOf,
  type GraphQLPost,
  graphqlClient,
  type LoadResult,
  medianRatio,
  percentile,
  pooled,
  report,
  runInterleaved,
} from './load.js';
import {
  startBareApolloProcess,
  startBareAppendProcess,
  startEsdbLocalProcess,
  startEsgraphProcess,
} from './processes.js';

/*
 * npm run bench:queries — the read side, against the real server (esgraph, esdb-local and
 * redis-server each in a process of their own):
 *   1. account(id) queries/s over HTTP with 64 clients, beside a bare Apollo Server 5 answering
 *      a constant { hello } run the same way (target: at least 0.8 of it), both as Apollo's
 *      standalone server and on Node's http server, taking turns in rounds;
 *   2. projection catch-up: events/s projected from a log of 200,000 bank events (target 20,000);
 *   3. live lag from a mutation's acknowledgement to its read models being visible, at 500
 *      mutations/s (target p99 under 20 ms);
 *   4. fan-out: 1,000 WebSocket subscribers on one account, from the mutation's acknowledgement
 *      to the last subscriber receiving the update (target p99 under 250 ms).
 */

const QUERY_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const QUERY_ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 3_000);
const ACCOUNTS = 1_000;
const CATCH_UP_EVENTS = Number(process.env.BENCH_CATCH_UP_EVENTS ?? 200_000);
const LIVE_RATE = 500;
const LIVE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 10);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
const FAN_OUT_MUTATIONS = 40;

const OPEN = 'mutation Open($input: OpenAccountInput!) { openAccount(input: $input) { position } }';
const DEPOSIT = 'mutation Deposit($input: DepositInput!) { deposit(input: $input) { position streamRevision } }';
const ACCOUNT = 'query Account($id: ID!) { account(id: $id) { id balance status revision } }';
const PROJECTIONS = 'query { projections { name activeBuild checkpoint head lagEvents } }';
const UPDATED = 'subscription Updated($id: ID!) { accountUpdated(id: $id) { id balance revision } }';

const stage = (text: string): void => console.error(`[bench:queries] ${text}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ProjectionProgress {
  readonly name: string;
  readonly activeBuild: number | null;
  readonly checkpoint: string | null;
  readonly head: string | null;
  readonly lagEvents: number;
}

const waitUntilCaughtUp = async (post: GraphQLPost): Promise<ProjectionProgress[]> => {
  for (;;) {
    const { projections } = dataOf<{ projections: ProjectionProgress[] }>(await post(PROJECTIONS, {}));
    if (projections.length > 0 && projections.every((projection) => projection.lagEvents === 0)) return projections;
    if (process.env.BENCH_VERBOSE) stage(JSON.stringify(projections));
    await sleep(200);
  }
};

stage('starting redis-server, esdb-local and esgraph');
const redis = await startEmbeddedRedis();
const esdb = await startEsdbLocalProcess();
const dependencies = { EVENTSTORE_CONNECTION_STRING: esdb.connectionString, REDIS_URL: redis.url };
let esgraph = await startEsgraphProcess(dependencies);
const results: LoadResult[] = [];
const extra: Record<string, unknown> = {};
try {
  const post = graphqlClient(esgraph.url, 64);
  const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
  for (let index = 0; index < accounts.length; index += 50) {
    await Promise.all(
      accounts.slice(index, index + 50).map(async (accountId) => {
        dataOf(await post(OPEN, { input: { accountId, ownerId: `owner-${index}`, currency: 'EUR' } }));
        dataOf(await post(DEPOSIT, { input: { accountId, amount: '100.00' } }));
      }),
    );
  }
  stage(`opened ${ACCOUNTS} accounts; waiting for the read models`);
  const projectionNames = (await waitUntilCaughtUp(post)).map((projection) => projection.name);
  stage('measuring query throughput');

  // 1. Query throughput against a bare Apollo Server, in two set-ups: Apollo's own standalone
  // server (Express underneath), and Apollo on Node's http server as esgraph runs it, which costs
  // less per request and so is the stricter baseline. The three take turns in rounds.
  const anyAccount = () => accounts[Math.floor(Math.random() * ACCOUNTS)]!;
  const standalone = await startBareApolloProcess();
  const onNodeHttp = await startBareAppendProcess('graphql', esdb.connectionString);
  try {
    const hello = (postTo: GraphQLPost) => async () => {
      dataOf(await postTo('{ hello }', {}));
    };
    const [esgraphRuns, standaloneRuns, onNodeHttpRuns] = await runInterleaved(
      [
        {
          name: 'esgraph account(id)',
          concurrency: 64,
          operation: async () => {
            const { account } = dataOf<{ account: { id: string } | null }>(await post(ACCOUNT, { id: anyAccount() }));
            if (!account) throw new Error('an opened account was not found');
          },
          watch: { esgraph: esgraph.child.pid },
        },
        {
          name: 'bare Apollo Server { hello }, standalone',
          concurrency: 64,
          operation: hello(graphqlClient(standalone.url, 64)),
          watch: { server: standalone.child.pid },
        },
        {
          name: 'bare Apollo Server { hello }, Node http',
          concurrency: 64,
          operation: hello(graphqlClient(onNodeHttp.url, 64)),
          watch: { server: onNodeHttp.child.pid },
        },
      ],
      QUERY_ROUNDS,
      QUERY_ROUND_MS,
    );
    results.push(...[esgraphRuns!, standaloneRuns!, onNodeHttpRuns!].map(pooled));
    const against = (baseline: LoadResult[]) => medianRatio(esgraphRuns!, baseline).toFixed(2);
    extra['account(id) / bare Apollo standalone at 64 clients'] = `${against(standaloneRuns!)} (target >= 0.80)`;
    extra['account(id) / bare Apollo on Node http at 64 clients'] = against(onNodeHttpRuns!);
  } finally {
    await standalone.stop();
    await onNodeHttp.stop();
  }

  stage('measuring live lag');
  // 3. Live lag: each read model announces its checkpoint in the commit that moves it.
  const listener = await connectRedis(redis.url);
  const visible = new Map<string, bigint>();
  const waiters: { position: bigint; resolve: () => void }[] = [];
  const allPassed = (position: bigint) => projectionNames.every((name) => (visible.get(name) ?? -1n) >= position);
  for (const name of projectionNames) {
    await listener.subscribe(progressChannel(name), (text) => {
      const message = decodeProgress(text);
      if (message?.kind !== 'checkpoint') return;
      if ((visible.get(name) ?? -1n) < message.position) visible.set(name, message.position);
      for (let index = waiters.length - 1; index >= 0; index--) {
        if (allPassed(waiters[index]!.position)) waiters.splice(index, 1)[0]!.resolve();
      }
    });
  }
  const lags: number[] = [];
  const live: Promise<void>[] = [];
  const liveStart = performance.now();
  for (let sent = 0; sent < LIVE_RATE * LIVE_SECONDS; sent++) {
    const due = liveStart + (sent * 1000) / LIVE_RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    live.push(
      (async () => {
        const { deposit } = dataOf<{ deposit: { position: string } }>(
          await post(DEPOSIT, { input: { accountId: anyAccount(), amount: '1.00' } }),
        );
        const acknowledged = performance.now();
        const position = BigInt(deposit.position);
        if (!allPassed(position)) await new Promise<void>((resolve) => waiters.push({ position, resolve }));
        lags.push(performance.now() - acknowledged);
      })(),
    );
  }
  await Promise.all(live);
  const achievedRate = lags.length / ((performance.now() - liveStart) / 1000);
  lags.sort((a, b) => a - b);
  extra['live lag, ack to every read model visible'] =
    `p50 ${percentile(lags, 0.5).toFixed(2)} ms, p99 ${percentile(lags, 0.99).toFixed(2)} ms at ${Math.round(achievedRate)} mutations/s (target p99 < 20 ms at 500/s)`;
  await listener.close();

  stage(`measuring fan-out to ${SUBSCRIBERS} subscribers`);
  // 4. Fan-out to WebSocket subscribers of one account.
  const hot = accounts[0]!;
  const wsUrl = esgraph.url.replace('http://', 'ws://');
  const received = new Map<number, number[]>();
  const clients = Array.from({ length: SUBSCRIBERS }, () =>
    createWsClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: benchAuthorization },
    }),
  );
  let confirmed = 0;
  await new Promise<void>((resolve, reject) => {
    for (const client of clients) {
      client.subscribe(
        { query: UPDATED, variables: { id: hot } },
        {
          next: (value) => {
            const revision = (value.data as { accountUpdated: { revision: number } } | null)?.accountUpdated.revision;
            if (revision === undefined) return;
            const times = received.get(revision) ?? [];
            times.push(performance.now());
            received.set(revision, times);
          },
          error: reject,
          complete: () => undefined,
        },
      );
      client.on('connected', () => {
        if (++confirmed === SUBSCRIBERS) resolve();
      });
    }
  });
  // A connected socket has not necessarily subscribed its channel yet: one update all receive proves it has.
  const fanOut: number[] = [];
  for (let round = 0; round < FAN_OUT_MUTATIONS + 1; round++) {
    const { deposit } = dataOf<{ deposit: { streamRevision: number } }>(
      await post(DEPOSIT, { input: { accountId: hot, amount: '1.00' } }),
    );
    const acknowledged = performance.now();
    const deadline = acknowledged + 10_000;
    while ((received.get(deposit.streamRevision)?.length ?? 0) < SUBSCRIBERS && performance.now() < deadline) {
      await sleep(2);
    }
    const times = received.get(deposit.streamRevision) ?? [];
    if (times.length < SUBSCRIBERS)
      throw new Error(`only ${times.length} of ${SUBSCRIBERS} subscribers got update ${round}`);
    if (round > 0) fanOut.push(Math.max(...times) - acknowledged);
  }
  await Promise.all(clients.map((client) => client.dispose()));
  fanOut.sort((a, b) => a - b);
  extra[`fan-out to ${SUBSCRIBERS} subscribers, ack to last delivery`] =
    `p50 ${percentile(fanOut, 0.5).toFixed(1)} ms, p99 ${percentile(fanOut, 0.99).toFixed(1)} ms over ${fanOut.length} mutations (target p99 < 250 ms)`;

  stage(`measuring catch-up over ${CATCH_UP_EVENTS} events`);
  // 2. Catch-up: a log of bank events, projected from scratch by a fresh projector.
  await esgraph.stop();
  stage('stopped esgraph; appending');
  const client = EventStoreDBClient.connectionString(esdb.connectionString);
  const perStream = 100;
  const streams = Math.ceil(CATCH_UP_EVENTS / perStream);
  const now = new Date().toISOString();
  let head = 0n;
  for (let index = 0; index < streams; index += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, streams - index) }, async () => {
        const accountId = randomUUID();
        const events: ReturnType<typeof jsonEvent>[] = [
          jsonEvent({ type: 'AccountOpened', data: { accountId, ownerId: 'bulk', currency: 'EUR', openedAt: now } }),
        ];
        for (let deposit = 1; deposit < perStream; deposit++) {
          events.push(
            jsonEvent({
              type: 'MoneyDeposited',
              data: { accountId, amount: 100, balanceAfter: deposit * 100, currency: 'EUR', occurredAt: now },
            }),
          );
        }
        const { position } = await client.appendToStream(`account-${accountId}`, events);
        if (position && position.commit > head) head = position.commit;
      }),
    );
  }
  await client.dispose();
  stage('appended; starting a fresh projector on an empty Redis');
  const progress = await connectRedis(redis.url);
  await progress.flushAll();
  const catchUpStart = performance.now();
  esgraph = await startEsgraphProcess({ ...dependencies, SERVICE_ROLES: 'query,projector' });
  // Progress is read straight from Redis: the projections query counts lag by reading the log,
  // too heavy to poll while measuring.
  const checkpointOf = async (name: string): Promise<bigint> => {
    const version = await readActiveVersion(progress, name);
    return (version === undefined ? undefined : await readCheckpoint(progress, { name, version })) ?? -1n;
  };
  for (;;) {
    const checkpoints = await Promise.all(projectionNames.map(checkpointOf));
    if (checkpoints.every((checkpoint) => checkpoint >= head)) break;
    await sleep(50);
  }
  const seconds = (performance.now() - catchUpStart) / 1000;
  await progress.close();
  const logEvents = streams * perStream + ACCOUNTS * 2 + LIVE_RATE * LIVE_SECONDS + FAN_OUT_MUTATIONS + 1;
  extra['catch-up from an empty Redis'] =
    `${logEvents} events through ${projectionNames.length} projections in ${seconds.toFixed(1)} s: ${Math.round(logEvents / seconds)} events/s (target >= 20,000), process start included`;

  report('queries', results, extra);
} finally {
  await esgraph.stop();
  await redis.stop();
  await esdb.stop();
}
