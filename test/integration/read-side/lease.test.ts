import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../src/core/projections/checkpoint.js';
import { commitBatch } from '../../../src/core/projections/commit-batch.js';
import { keySpace, leaseKey } from '../../../src/core/projections/keys.js';
import { acquireLease, readLease, releaseLease, renewLease } from '../../../src/core/projections/lease.js';
import { set } from '../../../src/core/projections/projection.js';
import { ProjectionLease } from '../../../src/core/projections/projection-lease.js';
import type { RedisClient } from '../../../src/core/redis/client.js';
import { uniqueName, useEmbeddedRedis } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';

const fixture = useEmbeddedRedis();
let redis: RedisClient;
let otherProcess: RedisClient;
beforeAll(async () => {
  redis = await fixture.connect();
  otherProcess = await fixture.connect();
});

const projection = () => ({ name: uniqueName('lease'), version: 1 });

describe('the projection lease', () => {
  it('goes to exactly one of many contenders', async () => {
    const id = projection();
    const clients = [redis, otherProcess];
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, index) => acquireLease(clients[index % 2]!, id, 10_000)),
    );

    const winners = tokens.filter((token) => token !== undefined);
    expect(winners).toHaveLength(1);
    expect((await readLease(redis, id))?.holder).toBe(winners[0]);
  });

  it('stays with a holder that renews, well past its ttl', async () => {
    const id = projection();
    const ttlMs = 200;
    const lease = await ProjectionLease.acquire(redis, id, { ttlMs });
    const started = performance.now();
    const attempts: (string | undefined)[] = [];

    // A contender keeps trying for five ttls; every attempt must fail.
    await waitFor('five ttls of takeover attempts', async () => {
      attempts.push(await acquireLease(otherProcess, id, ttlMs));
      return performance.now() - started > 5 * ttlMs;
    });

    expect(attempts.length).toBeGreaterThan(5);
    expect(attempts.filter((token) => token !== undefined)).toEqual([]);
    expect(lease?.held).toBe(true);
    expect((await readLease(redis, id))?.holder).toBe(lease?.token);
    await lease?.release();
  });

  it('passes to another runner once the holder stops renewing, and fences the old holder', async () => {
    const id = projection();
    // The old holder takes the lease and is then paused: it never renews.
    const paused = await acquireLease(redis, id, 150);
    expect(paused).toBeDefined();
    expect(await acquireLease(otherProcess, id, 10_000)).toBeUndefined();

    const successor = await waitFor('the lease to expire', () => acquireLease(otherProcess, id, 10_000));
    await commitBatch(otherProcess, { projection: id, ops: [set('k', 'new')], checkpoint: 10n, leaseToken: successor });

    // The paused runner wakes up and carries on with its batch and its renewals.
    const late = await commitBatch(redis, {
      projection: id,
      ops: [set('k', 'old')],
      checkpoint: 11n,
      leaseToken: paused!,
    });
    expect(late).toEqual({ status: 'fenced' });
    expect(await renewLease(redis, id, paused!, 10_000)).toBe(false);
    expect(await releaseLease(redis, id, paused!)).toBe(false);
    expect(await redis.get(keySpace(id).key('k'))).toBe('new');
    expect(await readCheckpoint(redis, id)).toBe(10n);
    expect((await readLease(redis, id))?.holder).toBe(successor);
  });

  it('tells its holder when it was lost', async () => {
    const id = projection();
    const reasons: string[] = [];
    const lease = await ProjectionLease.acquire(redis, id, { ttlMs: 150, onLost: (reason) => reasons.push(reason) });
    // What a successor does after the lease expired during a long pause of this process.
    await redis.del(leaseKey(id));
    const successor = await acquireLease(otherProcess, id, 10_000);

    await waitFor('the holder to notice', () => reasons.length > 0);

    expect(lease?.held).toBe(false);
    expect(reasons).toEqual(['the lease expired and another runner took it']);
    expect((await readLease(redis, id))?.holder).toBe(successor);
  });

  it('is free for the next runner as soon as its holder releases it', async () => {
    const id = projection();
    const lease = await ProjectionLease.acquire(redis, id, { ttlMs: 60_000 });

    await lease?.release();

    expect(lease?.held).toBe(false);
    expect(await acquireLease(otherProcess, id, 60_000)).toBeDefined();
  });

  it('names its holder in the token', async () => {
    const id = projection();
    const lease = await ProjectionLease.acquire(redis, id, { ttlMs: 60_000, owner: 'projector-7' });

    expect(lease?.token).toMatch(/^projector-7:[0-9a-f-]{36}$/);
    expect(await readLease(redis, id)).toMatchObject({ holder: lease?.token });
    await lease?.release();
  });
});
