import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { graphqlClient, type LoadResult, report, runLoad } from './load.js';
import { startEsdbLocalProcess, startEsgraphProcess } from './processes.js';
import { startRedisServer } from './redis.js';

/*
 * npm run bench:commands — mutations per second over HTTP against the real server (esgraph and
 * esdb-local each in a child process, esdb-local on disk with fsync), beside the raw throughput
 * of the same appends made straight with @eventstore/db-client against the same esdb-local.
 * The ratio that matters: GraphQL deposits over 1,000 accounts with 64 clients, against raw
 * appends with 64 writers.
 */

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5_000);
const ACCOUNTS = 1_000;

const DEPOSIT = `mutation Deposit($input: DepositInput!) { deposit(input: $input) { streamRevision position } }`;
const OPEN = `mutation Open($input: OpenAccountInput!) { openAccount(input: $input) { position } }`;

const expectData = (result: { data?: unknown; errors?: unknown[] }): void => {
  if (result.errors) throw new Error(JSON.stringify(result.errors));
};

const esdb = await startEsdbLocalProcess();
const redis = await startRedisServer();
const esgraph = await startEsgraphProcess({
  EVENTSTORE_CONNECTION_STRING: esdb.connectionString,
  REDIS_URL: redis.url,
  SERVICE_ROLES: 'command,query',
});
const results: LoadResult[] = [];
try {
  const post = graphqlClient(esgraph.url, 64);
  const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
  for (let index = 0; index < accounts.length; index += 50) {
    await Promise.all(
      accounts
        .slice(index, index + 50)
        .map(async (accountId) =>
          expectData(await post(OPEN, { input: { accountId, ownerId: 'bench', currency: 'EUR' } })),
        ),
    );
  }
  const hot = accounts[0]!;
  const deposit = (accountId: string) => async () => {
    expectData(await post(DEPOSIT, { input: { accountId, amount: '1.00' } }));
  };
  const anyAccount = () => accounts[Math.floor(Math.random() * ACCOUNTS)]!;

  results.push(await runLoad('graphql deposit, 1,000 accounts', 1, DURATION_MS, () => deposit(anyAccount())()));
  results.push(await runLoad('graphql deposit, 1,000 accounts', 64, DURATION_MS, () => deposit(anyAccount())()));
  results.push(await runLoad('graphql deposit, one hot account', 1, DURATION_MS, deposit(hot)));
  results.push(await runLoad('graphql deposit, one hot account', 64, DURATION_MS, deposit(hot)));

  // The same events, appended straight through the client: what the GraphQL path is measured against.
  const client = EventStoreDBClient.connectionString(esdb.connectionString);
  const rawAppend = async () => {
    const accountId = anyAccount();
    const data = { accountId, amount: 100, balanceAfter: 100, currency: 'EUR', occurredAt: new Date().toISOString() };
    const metadata = {
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      schemaVersion: 1,
    };
    await client.appendToStream(`account-${accountId}`, jsonEvent({ type: 'MoneyDeposited', data, metadata }));
  };
  results.push(await runLoad('raw client append, 1,000 streams', 1, DURATION_MS, rawAppend));
  results.push(await runLoad('raw client append, 1,000 streams', 64, DURATION_MS, rawAppend));
  await client.dispose();

  const graphql64 = results[1]!.perSecond;
  const raw64 = results[5]!.perSecond;
  report('commands', results, {
    'GraphQL / raw at 64 clients over 1,000 accounts': `${(graphql64 / raw64).toFixed(2)} (target >= 0.50)`,
  });
} finally {
  await esgraph.stop();
  await redis.stop();
  await esdb.stop();
}
