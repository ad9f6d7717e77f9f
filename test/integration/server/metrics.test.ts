import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { activeKeySpace } from '../../../src/core/projections/active-version.js';
import { connectRedis } from '../../../src/core/redis/client.js';
import { ownerAccountsKey } from '../../../src/domains/bank/projections/accounts-by-owner.js';
import {
  AccountDocument,
  AccountUpdatedDocument,
  DepositDocument,
  OpenAccountDocument,
  WithdrawDocument,
} from '../../generated/graphql.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { execute, executeOk, subscribe, wsClient } from '../../support/graphql-client.js';
import { metricsUrlOf, sampleOf, scrape, seriesOf } from '../../support/metrics.js';
import { staffToken } from '../../support/test-tokens.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * /metrics through a whole esgraph: each metric moves when what it counts happens, over real
 * HTTP and WebSocket against esdb-local and a private redis-server.
 */

describe('metrics', () => {
  let dependencies: TestDependencies;
  let esgraph: RunningEsgraph;
  let metricsUrl: string;
  beforeAll(async () => {
    dependencies = await startTestDependencies();
    esgraph = await startTestEsgraph(dependencies, { METRICS_OPERATION_NAMES: '20' });
    metricsUrl = metricsUrlOf(esgraph.url);
  });
  afterAll(async () => {
    await esgraph?.stop();
    await dependencies?.stop();
  });

  const open = async (url = esgraph.url) => {
    const accountId = randomUUID();
    await executeOk(url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    return accountId;
  };

  it('counts a deposit by type and outcome, with its duration, attempts and append latency', async () => {
    const accountId = await open();
    const before = await scrape(metricsUrl);
    await executeOk(esgraph.url, DepositDocument, { input: { accountId, amount: '10.00' } });
    const after = await scrape(metricsUrl);
    const moved = (name: string, labels: Record<string, string>) =>
      sampleOf(after, name, labels) - sampleOf(before, name, labels);
    const deposit = { command: 'DepositMoney' };
    expect(moved('esgraph_commands_total', { ...deposit, outcome: 'ok' })).toBe(1);
    expect(moved('esgraph_command_duration_seconds_count', deposit)).toBe(1);
    expect(moved('esgraph_command_duration_seconds_sum', deposit)).toBeGreaterThan(0);
    expect(moved('esgraph_command_attempts_count', deposit)).toBe(1);
    expect(moved('esgraph_command_attempts_sum', deposit)).toBe(1);
    expect(moved('esgraph_command_append_duration_seconds_count', deposit)).toBe(1);
    // The open just before left the fold in the cache: the deposit decided on it unread.
    expect(moved('esgraph_fold_cache_lookups_total', { result: 'hit' })).toBe(1);
    const operation = { operation: 'Deposit', type: 'mutation', outcome: 'ok' };
    expect(moved('esgraph_graphql_operations_total', operation)).toBe(1);
    expect(moved('esgraph_graphql_operation_duration_seconds_count', operation)).toBe(1);
  });

  it('counts a refused command under its domain code, and the operation under the code its client got', async () => {
    const accountId = await open();
    const before = await scrape(metricsUrl);
    const refused = await execute(esgraph.url, WithdrawDocument, { input: { accountId, amount: '1.00' } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_FUNDS');
    const after = await scrape(metricsUrl);
    const labels = { command: 'WithdrawMoney', outcome: 'INSUFFICIENT_FUNDS' };
    expect(sampleOf(after, 'esgraph_commands_total', labels) - sampleOf(before, 'esgraph_commands_total', labels)).toBe(
      1,
    );
    const operation = { operation: 'Withdraw', type: 'mutation', outcome: 'INSUFFICIENT_FUNDS' };
    const name = 'esgraph_graphql_operation_duration_seconds_count';
    expect(sampleOf(after, name, operation) - sampleOf(before, name, operation)).toBe(1);
  });

  it('keeps operation names bounded: past the limit every new name counts as other', async () => {
    const names = Array.from({ length: 60 }, (_, index) => `Probe${index}_${randomUUID().slice(0, 8)}`);
    for (const name of names) {
      const response = await fetch(esgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${staffToken}` },
        body: JSON.stringify({ query: `query ${name} { serverInfo { name } }` }),
      });
      expect(response.status).toBe(200);
    }
    const series = seriesOf(await scrape(metricsUrl), 'esgraph_graphql_operation_duration_seconds_count');
    const labelled = new Set(series.map((entry) => entry.labels.operation));
    // 20 names at most get their own series, whichever came first; the rest share one.
    expect(labelled.size).toBeLessThanOrEqual(21);
    expect(names.filter((name) => labelled.has(name)).length).toBeLessThan(20);
    expect(
      sampleOf(await scrape(metricsUrl), 'esgraph_graphql_operation_duration_seconds_count', { operation: 'other' }),
    ).toBeGreaterThanOrEqual(40);
  });

  it('counts projection batches as the projector commits them, and reports each runner checkpoint', async () => {
    const before = await scrape(metricsUrl);
    const accountId = await open();
    const { deposit } = await executeOk(esgraph.url, DepositDocument, { input: { accountId, amount: '1.00' } });
    const batches = { name: 'account-summary', kind: 'read_model' };
    await waitFor('an account-summary batch counted', async () => {
      const after = await scrape(metricsUrl);
      return sampleOf(after, 'esgraph_projection_batch_size_count', batches) >
        sampleOf(before, 'esgraph_projection_batch_size_count', batches)
        ? after
        : undefined;
    });
    await executeOk(esgraph.url, AccountDocument, { id: accountId, consistentWith: deposit.position });
    const after = await scrape(metricsUrl);
    expect(sampleOf(after, 'esgraph_projection_checkpoint', batches)).toBeGreaterThan(0);
    expect(sampleOf(after, 'esgraph_projection_parked_events', batches)).toBe(0);
    expect(seriesOf(after, 'esgraph_projection_lag_events').map((series) => series.labels.kind)).toContain(
      'process_manager',
    );
    // The transfers' process manager reads the same events on its own feed: its batches count too.
    const reactions = { name: 'transfer-process', kind: 'process_manager' };
    await waitFor('a transfer-process batch counted', async () =>
      sampleOf(await scrape(metricsUrl), 'esgraph_projection_batch_size_count', reactions) > 0 ? true : undefined,
    );
    expect(sampleOf(after, 'esgraph_consistency_waits_total', { outcome: 'reached' })).toBeGreaterThan(
      sampleOf(before, 'esgraph_consistency_waits_total', { outcome: 'reached' }),
    );
  });

  it('shows an event a read model parks on the parked gauge', async () => {
    const parked = { name: 'accounts-by-owner', kind: 'read_model' };
    const before = sampleOf(await scrape(metricsUrl), 'esgraph_projection_parked_events', parked);
    // A key of the wrong type: the commit script refuses the owner's set, and accounts-by-owner parks the opening.
    const ownerId = `owner-${randomUUID()}`;
    const redis = await connectRedis(dependencies.redis.url);
    try {
      const space = await activeKeySpace(redis, 'accounts-by-owner');
      await redis.set(space!.key(ownerAccountsKey(ownerId)), 'not a sorted set');
    } finally {
      await redis.close();
    }
    await executeOk(esgraph.url, OpenAccountDocument, { input: { accountId: randomUUID(), ownerId, currency: 'EUR' } });
    await waitFor(
      'the parked event on the gauge',
      async () =>
        sampleOf(await scrape(metricsUrl), 'esgraph_projection_parked_events', parked) === before + 1
          ? true
          : undefined,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  });

  it('opens the subscription gauge by field, counts what it pushes, and closes it again', async () => {
    const accountId = await open();
    const client = wsClient(esgraph.url);
    const open_ = { field: 'accountUpdated' };
    try {
      const before = await scrape(metricsUrl);
      const updates = subscribe(client, AccountUpdatedDocument, { id: accountId });
      const first = updates.next();
      await waitFor('the subscription counted as open', async () =>
        sampleOf(await scrape(metricsUrl), 'esgraph_subscriptions_open', open_) === 1 ? true : undefined,
      );
      await executeOk(esgraph.url, DepositDocument, { input: { accountId, amount: '2.00' } });
      await first;
      await waitFor('the pushed message counted', async () =>
        sampleOf(await scrape(metricsUrl), 'esgraph_subscription_messages_total', open_) >
        sampleOf(before, 'esgraph_subscription_messages_total', open_)
          ? true
          : undefined,
      );
      await updates.return?.();
      await waitFor('the subscription counted as closed', async () =>
        sampleOf(await scrape(metricsUrl), 'esgraph_subscriptions_open', open_) === 0 ? true : undefined,
      );
    } finally {
      await client.dispose();
    }
  });

  it('counts a WebSocket operation refused before it runs under its code, and opens no gauge', async () => {
    const client = wsClient(esgraph.url);
    const name = 'esgraph_graphql_operation_duration_seconds_count';
    const refused = { type: 'unknown', outcome: 'GRAPHQL_PARSE_FAILED' };
    try {
      const before = await scrape(metricsUrl);
      const answer = client.iterate({ query: 'subscription Broken { accountUpdated(id: ' });
      await expect(answer.next()).rejects.toBeDefined();
      await waitFor('the refusal counted', async () =>
        sampleOf(await scrape(metricsUrl), name, refused) === sampleOf(before, name, refused) + 1 ? true : undefined,
      );
      expect(sampleOf(await scrape(metricsUrl), 'esgraph_subscriptions_open')).toBe(0);
    } finally {
      await client.dispose();
    }
  });

  it('reports both connections up, and Node’s own process metrics', async () => {
    const text = await scrape(metricsUrl);
    expect(sampleOf(text, 'esgraph_redis_connected', { connection: 'commands' })).toBe(1);
    expect(sampleOf(text, 'esgraph_redis_connected', { connection: 'subscriber' })).toBe(1);
    expect(sampleOf(text, 'esgraph_eventstore_connected')).toBe(1);
    expect(seriesOf(text, 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(seriesOf(text, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
  });
});

describe('metrics of a node that does not project', () => {
  let dependencies: TestDependencies;
  let esgraph: RunningEsgraph;
  beforeAll(async () => {
    dependencies = await startTestDependencies();
    esgraph = await startTestEsgraph(dependencies, { SERVICE_ROLES: 'command,query', CONSISTENCY_TIMEOUT_MS: '200' });
  });
  afterAll(async () => {
    await esgraph?.stop();
    await dependencies?.stop();
  });

  it('shows the read models’ lag rising while nothing projects, and counts the consistentWith wait that times out', async () => {
    const metricsUrl = metricsUrlOf(esgraph.url);
    const accountId = randomUUID();
    await executeOk(esgraph.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    const lagged = { name: 'account-summary', kind: 'read_model' };
    const lagBefore = sampleOf(await scrape(metricsUrl), 'esgraph_projection_lag_events', lagged);
    const { deposit } = await executeOk(esgraph.url, DepositDocument, { input: { accountId, amount: '3.00' } });
    await executeOk(esgraph.url, DepositDocument, { input: { accountId, amount: '4.00' } });
    const after = await scrape(metricsUrl);
    expect(sampleOf(after, 'esgraph_projection_lag_events', lagged)).toBe(lagBefore + 2);
    expect(sampleOf(after, 'esgraph_projection_lag_seconds', lagged)).toBeGreaterThan(0);
    const timedOut = await execute(esgraph.url, AccountDocument, { id: accountId, consistentWith: deposit.position });
    expect(timedOut.errors?.[0]?.extensions?.code).toBe('CONSISTENCY_TIMEOUT');
    expect(sampleOf(await scrape(metricsUrl), 'esgraph_consistency_waits_total', { outcome: 'timeout' })).toBe(1);
  });
});
