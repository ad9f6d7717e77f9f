import { describe, expect, it } from 'vitest';
import { BatchRejectedError, type CommitBatch, encodeCommit } from '../../../src/core/projections/commit-ops.js';
import * as op from '../../../src/core/projections/projection.js';
import { changeChannel } from '../../../src/core/pubsub/channels.js';

const batch = (ops: readonly op.RedisOp[]): CommitBatch => ({
  projection: { name: 'summary', version: 2 },
  ops,
  checkpoint: 18_446_744_073_709_551_615n,
  leaseToken: 'token-1',
});

describe('encoding a batch for the commit script', () => {
  it('starts KEYS with lease, checkpoint and active version, and ARGV with token, checkpoint, version, progress and the change bundle count', () => {
    const { keys, args } = encodeCommit(batch([]));
    expect(keys).toEqual(['proj:{summary}:v2:lease', 'proj:{summary}:v2:checkpoint', 'proj:{summary}:active']);
    expect(args).toEqual([
      'token-1',
      '18446744073709551615',
      '2',
      'esgraph:progress:summary',
      'checkpoint 2 18446744073709551615',
      '0',
    ]);
  });

  it('translates every write op to its command, the KEYS index of its key, and its arguments', () => {
    const { keys, args } = encodeCommit(
      batch([
        op.set('a', 'x'),
        op.del('b'),
        op.incrBy('c', -3),
        op.hSet('d', { name: 'Ann', balance: 1050 }),
        op.hIncrBy('d', 'balance', 7),
        op.hDel('d', 'name'),
        op.zAdd('e', 1.5, 'm'),
        op.zRem('e', 'm'),
        op.sAdd('f', 'm'),
        op.sRem('f', 'm'),
        op.lPush('g', 'v'),
      ]),
    );
    expect(keys.slice(3)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((key) => `rm:{summary}:v2:${key}`));
    expect(args.slice(6)).toEqual([
      ...['set', '4', 'x'],
      ...['del', '5'],
      ...['incrby', '6', '-3'],
      ...['hset', '7', '2', 'name', 'Ann', 'balance', '1050'],
      ...['hincrby', '7', 'balance', '7'],
      ...['hdel', '7', 'name'],
      ...['zadd', '8', '1.5', 'm'],
      ...['zrem', '8', 'm'],
      ...['sadd', '9', 'm'],
      ...['srem', '9', 'm'],
      ...['lpush', '10', 'v'],
    ]);
  });

  it('bundles notify ops per topic, in batch order, ahead of the writes', () => {
    const encoded = encodeCommit(
      batch([
        op.notify('account:1', 'opened'),
        op.set('a', 'x'),
        op.notify('account:2', 'opened'),
        op.notify('account:1', 'deposit'),
      ]),
    );
    expect(encoded.args.slice(5)).toEqual([
      '2',
      changeChannel('summary', 'account:1'),
      JSON.stringify(['opened', 'deposit']),
      changeChannel('summary', 'account:2'),
      JSON.stringify(['opened']),
      ...['set', '4', 'x'],
    ]);
  });

  it('spells infinite scores the way ZADD reads them', () => {
    const { args } = encodeCommit(
      batch([op.zAdd('z', Number.POSITIVE_INFINITY, 'top'), op.zAdd('z', -Infinity, 'bottom')]),
    );
    expect(args.slice(6)).toEqual(['zaddn', '4', '2', '+inf', 'top', '-inf', 'bottom']);
  });

  it.each([
    ['an increment beyond 2^53', op.incrBy('c', 2 ** 53)],
    ['a fractional increment', op.hIncrBy('h', 'f', 0.5)],
    ['a NaN score', op.zAdd('z', Number.NaN, 'm')],
    ['a hash set without fields', op.hSet('h', {})],
  ])('rejects %s before touching Redis', (_, bad) => {
    expect(() => encodeCommit(batch([bad]))).toThrow(BatchRejectedError);
  });

  it('refuses a negative checkpoint', () => {
    expect(() => encodeCommit({ ...batch([]), checkpoint: -1n })).toThrow(RangeError);
  });
});
