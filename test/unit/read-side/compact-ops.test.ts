import { describe, expect, it } from 'vitest';
import { compactOps, type WriteOp } from '../../../src/core/projections/compact-ops.js';
import * as op from '../../../src/core/projections/projection.js';

const writes = (...ops: op.RedisOp[]) => ops as WriteOp[];

describe('compacting a batch of ops', () => {
  it('merges consecutive HSETs on one key, the later value of a field winning', () => {
    expect(
      compactOps(writes(op.hSet('a', { x: 1, y: 'one' }), op.hSet('b', { x: 9 }), op.hSet('a', { y: 'two', z: 3 }))),
    ).toEqual([op.hSet('a', { x: 1, y: 'two', z: 3 }), op.hSet('b', { x: 9 })]);
  });

  it('sums INCRBYs, and HINCRBYs per field within a run of them', () => {
    expect(
      compactOps(
        writes(
          op.incrBy('n', 2),
          op.hIncrBy('t', 'EUR', 5),
          op.incrBy('n', -7),
          op.hIncrBy('t', 'USD', 1),
          op.hIncrBy('t', 'EUR', -2),
        ),
      ),
    ).toEqual([op.incrBy('n', -5), op.hIncrBy('t', 'EUR', 3), op.hIncrBy('t', 'USD', 1)]);
  });

  it('keeps increments apart where their sum would no longer be an exact number', () => {
    const big = 2 ** 52;
    expect(
      compactOps(
        writes(op.incrBy('n', big), op.incrBy('n', big), op.hIncrBy('t', 'EUR', big), op.hIncrBy('t', 'EUR', big)),
      ),
    ).toEqual([op.incrBy('n', big), op.incrBy('n', big), op.hIncrBy('t', 'EUR', big), op.hIncrBy('t', 'EUR', big)]);
  });

  it('folds ZADDs to one key into one multi-member ZADD, in order', () => {
    expect(compactOps(writes(op.zAdd('z', 0, 'a'), op.zAdd('y', 1, 'q'), op.zAdd('z', 0, 'b')))).toEqual([
      {
        kind: 'zAddMany',
        key: 'z',
        entries: [
          [0, 'a'],
          [0, 'b'],
        ],
      },
      op.zAdd('y', 1, 'q'),
    ]);
  });

  it('never merges across another kind of op on the same key', () => {
    const ops = writes(op.hSet('a', { x: 1 }), op.hDel('a', 'x'), op.hSet('a', { x: 2 }), op.del('c'), op.del('c'));
    expect(compactOps(ops)).toEqual(ops);
  });

  it('leaves the original ops as they were', () => {
    const first = op.hSet('a', { x: 1 });
    compactOps(writes(first, op.hSet('a', { x: 2 })));
    expect(first).toEqual(op.hSet('a', { x: 1 }));
  });
});
