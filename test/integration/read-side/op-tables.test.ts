import { beforeAll, describe, expect, it } from 'vitest';
import { commitBatch } from '../../../src/core/projections/commit-batch.js';
import { encodeCommit } from '../../../src/core/projections/commit-ops.js';
import { opCommandsLua } from '../../../src/core/projections/commit-script.js';
import { keySpace } from '../../../src/core/projections/keys.js';
import { acquireLease } from '../../../src/core/projections/lease.js';
import { type CompactOp, opKinds } from '../../../src/core/projections/op-kinds.js';
import * as op from '../../../src/core/projections/projection.js';
import type { RedisClient } from '../../../src/core/redis/client.js';
import { uniqueName, useEmbeddedRedis } from '../../support/redis.js';

/*
 * A RedisOp kind is one entry in op-kinds.ts and one in the commit script's `commands` table.
 * These tests hold the two halves together: the same commands on both sides, and each kind,
 * encoded by its TypeScript entry, doing through the real script what its Redis command does.
 */

const fixture = useEmbeddedRedis();
let redis: RedisClient;
beforeAll(async () => {
  redis = await fixture.connect();
});

interface Sample {
  /** A batch whose ops compact to (among others) this kind. */
  readonly ops: readonly op.RedisOp[];
  /** What the key holds afterwards, read back as Redis answers. */
  readonly read: (redis: RedisClient, key: string) => Promise<unknown>;
  readonly expected: unknown;
}

// A mapped type: a kind added to op-kinds.ts without a sample here does not compile.
const samples: { readonly [Kind in CompactOp['kind']]: Sample } = {
  set: { ops: [op.set('k', 'v')], read: (r, key) => r.get(key), expected: 'v' },
  del: { ops: [op.set('k', 'v'), op.del('k')], read: (r, key) => r.exists(key), expected: 0 },
  incrBy: { ops: [op.incrBy('k', -5)], read: (r, key) => r.get(key), expected: '-5' },
  hSet: { ops: [op.hSet('k', { a: 'one', b: 2 })], read: (r, key) => r.hGetAll(key), expected: { a: 'one', b: '2' } },
  hIncrBy: { ops: [op.hIncrBy('k', 'f', 3)], read: (r, key) => r.hGetAll(key), expected: { f: '3' } },
  hDel: {
    ops: [op.hSet('k', { a: 1, b: 2 }), op.hDel('k', 'a')],
    read: (r, key) => r.hGetAll(key),
    expected: { b: '2' },
  },
  zAdd: {
    ops: [op.zAdd('k', 2.5, 'm')],
    read: (r, key) => r.zRangeWithScores(key, 0, -1),
    expected: [{ value: 'm', score: 2.5 }],
  },
  zAddMany: {
    ops: [op.zAdd('k', 2, 'b'), op.zAdd('k', 1, 'a')],
    read: (r, key) => r.zRangeWithScores(key, 0, -1),
    expected: [
      { value: 'a', score: 1 },
      { value: 'b', score: 2 },
    ],
  },
  zRem: {
    ops: [op.zAdd('k', 1, 'a'), op.zRem('k', 'a'), op.zAdd('k', 2, 'b')],
    read: (r, key) => r.zRange(key, 0, -1),
    expected: ['b'],
  },
  sAdd: { ops: [op.sAdd('k', 'm')], read: (r, key) => r.sMembers(key), expected: ['m'] },
  sRem: {
    ops: [op.sAdd('k', 'm'), op.sRem('k', 'm'), op.sAdd('k', 'n')],
    read: (r, key) => r.sMembers(key),
    expected: ['n'],
  },
  lPush: {
    ops: [op.lPush('k', 'a'), op.lPush('k', 'b')],
    read: (r, key) => r.lRange(key, 0, -1),
    expected: ['b', 'a'],
  },
};

describe('the op tables', () => {
  it('list the same commands in TypeScript and in the commit script', async () => {
    const listing = `${opCommandsLua}
local names = {}
for name in pairs(commands) do names[#names + 1] = name end
table.sort(names)
return names`;
    const scriptCommands = await redis.sendCommand(['EVAL', listing, '0']);
    const typeScriptCommands = Object.values(opKinds)
      .map((kind) => kind.command)
      .sort();
    expect(scriptCommands).toEqual(typeScriptCommands);
    expect(new Set(typeScriptCommands).size).toBe(Object.keys(opKinds).length);
  });

  it.each(Object.entries(samples))('commit %s through the real script with its Redis effect', async (kind, sample) => {
    const build = { name: uniqueName('op-tables'), version: 1 };
    const token = (await acquireLease(redis, build, 60_000, 'op-tables'))!;
    const batch = { projection: build, ops: sample.ops, checkpoint: 1n, leaseToken: token };
    // The sample really goes through this kind's command.
    expect(encodeCommit(batch).args).toContain(opKinds[kind as CompactOp['kind']].command);
    expect(await commitBatch(redis, batch)).toMatchObject({ status: 'committed' });
    expect(await sample.read(redis, keySpace(build).key('k'))).toEqual(sample.expected);
  });
});
