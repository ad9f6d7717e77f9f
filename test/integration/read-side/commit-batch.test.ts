import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateVersion } from '../../../src/core/projections/active-version.js';
import { readCheckpoint } from '../../../src/core/projections/checkpoint.js';
import { commitBatch } from '../../../src/core/projections/commit-batch.js';
import { BatchRejectedError } from '../../../src/core/projections/commit-ops.js';
import { keySpace, leaseKey, type ProjectionId } from '../../../src/core/projections/keys.js';
import {
  del,
  hDel,
  hIncrBy,
  hSet,
  incrBy,
  lPush,
  notify,
  type RedisOp,
  sAdd,
  set,
  sRem,
  zAdd,
  zRem,
} from '../../../src/core/projections/projection.js';
import type { RedisClient } from '../../../src/core/redis/client.js';
import { holdLease } from '../../support/lease.js';
import { uniqueName, useEmbeddedRedis } from '../../support/redis.js';

const fixture = useEmbeddedRedis();
let redis: RedisClient;
beforeAll(async () => {
  redis = await fixture.connect();
});

/** A projection version of its own, with its lease held: what a runner has before it commits. */
const leased = async (version = 1): Promise<{ projection: ProjectionId; token: string }> => {
  const projection = { name: uniqueName('commit'), version };
  return { projection, token: await holdLease(redis, projection) };
};

/** Every key of a projection but its lease, with its serialized value: to show that something changed nothing. */
const snapshot = async (name: string): Promise<Record<string, string>> => {
  const keys = (await redis.keys(`*{${name}}*`)).filter((key) => !key.endsWith(':lease')).sort();
  const dumps = await Promise.all(keys.map((key) => redis.sendCommand<string>(['DUMP', key])));
  return Object.fromEntries(keys.map((key, index) => [key, String(dumps[index])]));
};

describe('committing a batch', () => {
  it('applies every op type and moves the checkpoint together', async () => {
    const { projection, token } = await leased();
    const space = keySpace(projection);
    await redis.set(space.key('gone'), 'soon');
    await redis.zAdd(space.key('ranking'), { score: 1, value: 'old' });
    await redis.sAdd(space.key('tags'), 'stale');
    const ops: RedisOp[] = [
      set('greeting', 'hello'),
      del('gone'),
      incrBy('count', 5),
      incrBy('count', -2),
      hSet('account:1', { owner: 'Ann', balance: 100, note: 'x' }),
      hIncrBy('account:1', 'balance', 25),
      hDel('account:1', 'note'),
      zAdd('ranking', 7.5, 'account:1'),
      zRem('ranking', 'old'),
      sAdd('tags', 'vip'),
      sRem('tags', 'stale'),
      lPush('history', 'opened'),
      lPush('history', 'deposited'),
      notify('account:1', 'changed'),
    ];

    const result = await commitBatch(redis, { projection, ops, checkpoint: 42n, leaseToken: token });

    expect(result).toEqual({
      status: 'committed',
      projection,
      checkpoint: 42n,
      active: false,
    });
    expect(await redis.get(space.key('greeting'))).toBe('hello');
    expect(await redis.exists(space.key('gone'))).toBe(0);
    expect(await redis.get(space.key('count'))).toBe('3');
    expect(await redis.hGetAll(space.key('account:1'))).toEqual({ owner: 'Ann', balance: '125' });
    expect(await redis.zRangeWithScores(space.key('ranking'), 0, -1)).toEqual([{ value: 'account:1', score: 7.5 }]);
    expect(await redis.sMembers(space.key('tags'))).toEqual(['vip']);
    expect(await redis.lRange(space.key('history'), 0, -1)).toEqual(['deposited', 'opened']);
    expect(await readCheckpoint(redis, projection)).toBe(42n);
  });

  it('treats a replay at or below the checkpoint as already applied and changes nothing', async () => {
    const { projection, token } = await leased();
    const ops = [incrBy('count', 1), hIncrBy('totals', 'sum', 10)];
    await commitBatch(redis, { projection, ops, checkpoint: 100n, leaseToken: token });
    const before = await snapshot(projection.name);

    const same = await commitBatch(redis, { projection, ops, checkpoint: 100n, leaseToken: token });
    const older = await commitBatch(redis, { projection, ops, checkpoint: 99n, leaseToken: token });

    expect(same).toEqual({ status: 'stale', checkpoint: 100n });
    expect(older).toEqual({ status: 'stale', checkpoint: 100n });
    expect(await snapshot(projection.name)).toEqual(before);
  });

  it('compares checkpoints beyond 2^53 exactly', async () => {
    const { projection, token } = await leased();
    const high = 2n ** 63n + 1n;
    await commitBatch(redis, { projection, ops: [incrBy('n', 1)], checkpoint: high, leaseToken: token });

    expect(
      await commitBatch(redis, { projection, ops: [incrBy('n', 1)], checkpoint: high - 1n, leaseToken: token }),
    ).toMatchObject({ status: 'stale', checkpoint: high });
    expect(
      await commitBatch(redis, { projection, ops: [incrBy('n', 1)], checkpoint: high + 1n, leaseToken: token }),
    ).toMatchObject({ status: 'committed' });
    expect(await redis.get(keySpace(projection).key('n'))).toBe('2');
  });

  it('writes nothing and reports fencing when the caller does not hold the lease', async () => {
    const { projection, token } = await leased();
    await commitBatch(redis, { projection, ops: [set('a', '1')], checkpoint: 1n, leaseToken: token });
    const before = await snapshot(projection.name);

    const stranger = await commitBatch(redis, {
      projection,
      ops: [set('a', '2'), set('b', '2'), incrBy('c', 1)],
      checkpoint: 2n,
      leaseToken: 'someone-else',
    });
    await redis.del(leaseKey(projection)); // it expired
    const expired = await commitBatch(redis, { projection, ops: [set('a', '3')], checkpoint: 3n, leaseToken: token });

    expect(stranger).toEqual({ status: 'fenced' });
    expect(expired).toEqual({ status: 'fenced' });
    expect(await snapshot(projection.name)).toEqual(before);
  });

  it('rejects a batch whose op would fail and writes none of it', async () => {
    const { projection, token } = await leased();
    await commitBatch(redis, {
      projection,
      ops: [hSet('h', { f: 'v' }), set('s', 'text')],
      checkpoint: 1n,
      leaseToken: token,
    });
    const before = await snapshot(projection.name);

    const attempts = [
      [set('fine', 'x'), incrBy('h', 1)], // a hash where a counter is expected
      [set('fine', 'x'), incrBy('s', 1)], // text where a counter is expected
      [set('fine', 'x'), hSet('h', { f: 'v2', n: 'x' }), hIncrBy('h', 'n', 1)], // made non-integer by the batch itself
      [set('fine', 'x'), set('h', 'now a string'), sAdd('h', 'm')], // made a string by the batch itself
    ];
    for (const ops of attempts) {
      await expect(commitBatch(redis, { projection, ops, checkpoint: 2n, leaseToken: token })).rejects.toThrow(
        BatchRejectedError,
      );
    }
    expect(await snapshot(projection.name)).toEqual(before);
  });

  it('adds to integers exactly up to the ends of the signed 64-bit range', async () => {
    const { projection, token } = await leased();
    const space = keySpace(projection);
    await redis.hSet(space.key('totals'), { up: String(2n ** 63n - 2n), down: String(-(2n ** 63n) + 3n) });
    await redis.set(space.key('n'), String(2n ** 53n));

    const result = await commitBatch(redis, {
      projection,
      ops: [hIncrBy('totals', 'up', 1), hIncrBy('totals', 'down', -3), incrBy('n', 1), incrBy('n', 999_999_999)],
      checkpoint: 1n,
      leaseToken: token,
    });

    expect(result.status).toBe('committed');
    expect(await redis.hGetAll(space.key('totals'))).toEqual({
      up: '9223372036854775807',
      down: '-9223372036854775808',
    });
    expect(await redis.get(space.key('n'))).toBe(String(2n ** 53n + 1_000_000_000n));
  });

  it('adds exactly what BigInt arithmetic adds, across the whole 64-bit range', async () => {
    const { projection, token } = await leased();
    const space = keySpace(projection);
    const margin = 2n ** 53n;
    const pairs = fc.sample(
      fc.tuple(fc.bigInt({ min: -(2n ** 63n) + margin, max: 2n ** 63n - 1n - margin }), fc.maxSafeInteger()),
      300,
    );
    await redis.hSet(
      space.key('sums'),
      Object.fromEntries(pairs.map(([stored], index) => [`f${index}`, String(stored)])),
    );

    await commitBatch(redis, {
      projection,
      ops: pairs.map(([, by], index) => hIncrBy('sums', `f${index}`, by)),
      checkpoint: 1n,
      leaseToken: token,
    });

    expect(await redis.hGetAll(space.key('sums'))).toEqual(
      Object.fromEntries(pairs.map(([stored, by], index) => [`f${index}`, String(stored + BigInt(by))])),
    );
  });

  it('rejects an increment that would leave the signed 64-bit range, counting what the batch itself added', async () => {
    const { projection, token } = await leased();
    const space = keySpace(projection);
    await redis.hSet(space.key('totals'), { near: String(2n ** 63n - 100n), low: String(-(2n ** 63n) + 1n) });
    await redis.set(space.key('n'), String(2n ** 63n - 1n));
    const before = await snapshot(projection.name);

    const attempts: [RedisOp[], string][] = [
      [[set('fine', 'x'), hIncrBy('totals', 'near', 100)], 'would overflow field near'],
      [[hIncrBy('totals', 'near', 60), hSet('other', { a: 1 }), hIncrBy('totals', 'near', 40)], 'would overflow'],
      [[set('fine', 'x'), hIncrBy('totals', 'low', -2)], 'is outside the signed 64-bit range'],
      [[set('fine', 'x'), incrBy('n', 1)], 'would overflow a value'],
      [[set('s', String(2n ** 63n - 1n)), incrBy('s', 1)], 'would overflow a value'],
      [[hSet('h', { f: String(2n ** 63n - 1n) }), hIncrBy('h', 'f', 1)], 'would overflow field f'],
    ];
    for (const [ops, message] of attempts) {
      await expect(commitBatch(redis, { projection, ops, checkpoint: 2n, leaseToken: token })).rejects.toThrow(message);
    }
    expect(await snapshot(projection.name)).toEqual(before);
  });

  it('follows what the batch itself did before it checks an op', async () => {
    const { projection, token } = await leased();
    await redis.hSet(keySpace(projection).key('h'), 'n', 'not a number');
    await redis.set(keySpace(projection).key('s'), 'text');

    const result = await commitBatch(redis, {
      projection,
      ops: [del('h'), hIncrBy('h', 'n', 2), set('s', '40'), incrBy('s', 2), set('t', 'x'), del('t'), sAdd('t', 'm')],
      checkpoint: 5n,
      leaseToken: token,
    });

    expect(result.status).toBe('committed');
    expect(await redis.hGet(keySpace(projection).key('h'), 'n')).toBe('2');
    expect(await redis.get(keySpace(projection).key('s'))).toBe('42');
    expect(await redis.sMembers(keySpace(projection).key('t'))).toEqual(['m']);
  });

  it('writes a new version beside the active one and says which one readers use', async () => {
    const v1 = await leased(1);
    const v2Projection = { name: v1.projection.name, version: 2 };
    const v2 = { projection: v2Projection, token: await holdLease(redis, v2Projection) };
    await activateVersion(redis, v1.projection);

    const live = await commitBatch(redis, {
      projection: v1.projection,
      ops: [set('k', 'v1')],
      checkpoint: 9n,
      leaseToken: v1.token,
    });
    const rebuild = await commitBatch(redis, {
      projection: v2.projection,
      ops: [set('k', 'v2')],
      checkpoint: 3n,
      leaseToken: v2.token,
    });

    expect(live).toMatchObject({ status: 'committed', active: true });
    expect(rebuild).toMatchObject({ status: 'committed', active: false });
    expect(await redis.get(keySpace(v1.projection).key('k'))).toBe('v1');
    expect(await redis.get(keySpace(v2.projection).key('k'))).toBe('v2');
  });

  it('commits a hash set with more fields than one Lua call takes', async () => {
    const { projection, token } = await leased();
    const fields = Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`f${index}`, index]));

    await commitBatch(redis, { projection, ops: [hSet('wide', fields)], checkpoint: 1n, leaseToken: token });

    expect(await redis.hLen(keySpace(projection).key('wide'))).toBe(5_000);
  });

  it('still commits after the server forgot its scripts', async () => {
    const { projection, token } = await leased();
    await commitBatch(redis, { projection, ops: [incrBy('n', 1)], checkpoint: 1n, leaseToken: token });
    await redis.scriptFlush();

    const result = await commitBatch(redis, { projection, ops: [incrBy('n', 1)], checkpoint: 2n, leaseToken: token });

    expect(result.status).toBe('committed');
    expect(await redis.get(keySpace(projection).key('n'))).toBe('2');
  });
});
