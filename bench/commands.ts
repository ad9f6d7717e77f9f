import { randomUUID } from 'node:crypto';
import { EventStoreDBClient } from '@eventstore/db-client';
import { startEmbeddedRedis } from '../src/core/redis/embedded-redis.js';
import { depositEvent } from './deposit-event.js';
import { DEPOSIT, openAccounts } from './deposits.js';
import {
  dataOf,
  type GraphQLPost,
  graphqlClient,
  type LoadResult,
  medianRatio,
  pooled,
  report,
  runInterleaved,
  runLoad,
} from './load.js';
import { startBareAppendProcess, startEsdbLocalProcess, startEsgraphProcess } from './processes.js';

/*
 * npm run bench:commands — mutations per second over HTTP against the real server (esgraph and
 * esdb-local each in a child process, esdb-local on disk with fsync), beside the raw throughput
 * of the same appends made straight with @eventstore/db-client against the same esdb-local.
 * The ratio that matters: GraphQL deposits over 1,000 accounts with 64 clients, against raw
 * appends with 64 writers.
 *
 * Two floors show where the gap to raw comes from: a bare Apollo Server whose `deposit` mutation
 * only appends, and a plain HTTP endpoint that only appends (see bare-append-server.ts). The four
 * 64-client contenders take turns in short rounds, and ratios are the median of the rounds' own
 * ratios, because this machine is shared and its speed drifts within a run.
 */

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 3_000);
const ACCOUNTS = 1_000;

const esdb = await startEsdbLocalProcess();
const redis = await startEmbeddedRedis();
const esgraph = await startEsgraphProcess({
  EVENTSTORE_CONNECTION_STRING: esdb.connectionString,
  REDIS_URL: redis.url,
  SERVICE_ROLES: 'command,query',
});
const bareApollo = await startBareAppendProcess('graphql', esdb.connectionString);
const plainHttp = await startBareAppendProcess('http', esdb.connectionString);
const client = EventStoreDBClient.connectionString(esdb.connectionString);
try {
  const post = graphqlClient(esgraph.url, 64);
  const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
  await openAccounts(post, accounts);
  const hot = accounts[0]!;
  const anyAccount = () => accounts[Math.floor(Math.random() * ACCOUNTS)]!;
  // The baselines append to streams of their own: esgraph's accounts must change only through esgraph.
  const baselineStreams = Array.from({ length: ACCOUNTS }, () => randomUUID());
  const anyBaselineStream = () => baselineStreams[Math.floor(Math.random() * ACCOUNTS)]!;
  const depositOver = (postTo: GraphQLPost, account: () => string) => async () => {
    dataOf(await postTo(DEPOSIT, { input: { accountId: account(), amount: '1.00' } }));
  };
  const deposit = depositOver(post, anyAccount);
  // The same events, appended straight through the client: what the GraphQL path is measured against.
  const rawAppend = async () => {
    const accountId = anyBaselineStream();
    await client.appendToStream(`account-${accountId}`, depositEvent(accountId));
  };

  const esgraphWatch = { esgraph: esgraph.child.pid, 'esdb-local': esdb.child.pid };
  const single = [
    await runLoad('graphql deposit, 1,000 accounts', 1, DURATION_MS, deposit, { watch: esgraphWatch }),
    await runLoad(
      'graphql deposit, one hot account',
      1,
      DURATION_MS,
      depositOver(post, () => hot),
      {
        watch: esgraphWatch,
      },
    ),
    await runLoad(
      'graphql deposit, one hot account',
      64,
      DURATION_MS,
      depositOver(post, () => hot),
      {
        watch: esgraphWatch,
      },
    ),
    await runLoad('raw client append, 1,000 streams', 1, DURATION_MS, rawAppend, {
      watch: { 'esdb-local': esdb.child.pid },
    }),
  ];
  const [graphql64, bareApollo64, plainHttp64, raw64] = await runInterleaved(
    [
      { name: 'graphql deposit, 1,000 accounts', concurrency: 64, operation: deposit, watch: esgraphWatch },
      {
        name: 'bare Apollo Server, append only',
        concurrency: 64,
        operation: depositOver(graphqlClient(bareApollo.url, 64), anyBaselineStream),
        watch: { server: bareApollo.child.pid, 'esdb-local': esdb.child.pid },
      },
      {
        name: 'plain HTTP, append only',
        concurrency: 64,
        operation: depositOver(graphqlClient(plainHttp.url, 64), anyBaselineStream),
        watch: { server: plainHttp.child.pid, 'esdb-local': esdb.child.pid },
      },
      {
        name: 'raw client append, 1,000 streams',
        concurrency: 64,
        operation: rawAppend,
        watch: { 'esdb-local': esdb.child.pid },
      },
    ],
    ROUNDS,
    ROUND_MS,
  );
  const toRaw = (runs: LoadResult[] = []) => medianRatio(runs, raw64!).toFixed(2);
  report('commands', [...single, ...[graphql64, bareApollo64, plainHttp64, raw64].map((runs) => pooled(runs!))], {
    'GraphQL / raw at 64 clients over 1,000 accounts': `${toRaw(graphql64)} (target >= 0.50)`,
    'bare Apollo Server append-only mutation / raw': toRaw(bareApollo64),
    'plain HTTP append-only endpoint / raw': toRaw(plainHttp64),
    'esgraph / bare Apollo Server append-only mutation': medianRatio(graphql64!, bareApollo64!).toFixed(2),
    'rounds of the 64-client comparison': `${ROUNDS} x ${ROUND_MS / 1000} s each`,
  });
} finally {
  await client.dispose();
  await plainHttp.stop();
  await bareApollo.stop();
  await esgraph.stop();
  await redis.stop();
  await esdb.stop();
}
