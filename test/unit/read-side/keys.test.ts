import { describe, expect, it } from 'vitest';
import {
  activeVersionKey,
  checkpointKey,
  keySpace,
  leaseKey,
  parkedEventKey,
  parkedIndexKey,
} from '../../../src/core/projections/keys.js';

const summary = { name: 'account-summary', version: 3 };

// Redis Cluster hashes only what is between the first { and the next }.
const hashTag = (key: string): string | undefined => /\{([^}]*)\}/.exec(key)?.[1];

describe('the projection key layout', () => {
  it('places a logical key in the version key space of its projection', () => {
    expect(keySpace(summary).key('account:42')).toBe('rm:{account-summary}:v3:account:42');
  });

  it('keeps two versions of a projection apart', () => {
    expect(keySpace({ ...summary, version: 4 }).key('account:42')).not.toBe(keySpace(summary).key('account:42'));
  });

  it('names bookkeeping keys under a prefix no logical key can reach', () => {
    expect(checkpointKey(summary)).toBe('proj:{account-summary}:v3:checkpoint');
    expect(leaseKey(summary)).toBe('proj:{account-summary}:v3:lease');
    expect(parkedIndexKey(summary)).toBe('proj:{account-summary}:v3:parked');
    expect(parkedEventKey(summary, 'e-1')).toBe('proj:{account-summary}:v3:parked:e-1');
    expect(activeVersionKey('account-summary')).toBe('proj:{account-summary}:active');
    expect(keySpace(summary).key('checkpoint').startsWith('proj:')).toBe(false);
  });

  it('gives every key of a projection the same cluster hash tag', () => {
    const keys = [
      keySpace(summary).key('x'),
      keySpace({ ...summary, version: 9 }).key('y'),
      checkpointKey(summary),
      leaseKey(summary),
      parkedIndexKey(summary),
      parkedEventKey(summary, 'e'),
      activeVersionKey(summary.name),
    ];
    expect(new Set(keys.map(hashTag))).toEqual(new Set(['account-summary']));
  });

  it.each(['', 'with space', 'brace{', 'colon:name', '-leading'])('refuses the projection name %j', (name) => {
    expect(() => keySpace({ name, version: 1 })).toThrow(TypeError);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses the version %d', (version) => {
    expect(() => checkpointKey({ name: 'ok', version })).toThrow(TypeError);
  });
});
