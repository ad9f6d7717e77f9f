import { describe, expect, it } from 'vitest';
import { decideOnFailure, failurePolicy } from '../../../src/core/projections/failure-policy.js';

describe('the failure policy', () => {
  const policy = failurePolicy({ maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 250, whenExhausted: 'park' });

  it('retries with doubling delays, capped', () => {
    expect([1, 2, 3].map((failed) => decideOnFailure(policy, failed))).toEqual([
      { action: 'retry', delayMs: 100 },
      { action: 'retry', delayMs: 200 },
      { action: 'retry', delayMs: 250 },
    ]);
  });

  it('parks once every attempt failed', () => {
    expect(decideOnFailure(policy, 4)).toEqual({ action: 'park' });
  });

  it('halts instead when the projection cannot live with a gap', () => {
    expect(decideOnFailure(failurePolicy({ maxAttempts: 1, whenExhausted: 'halt' }), 1)).toEqual({ action: 'halt' });
  });

  it('fills what a projection does not override from the defaults', () => {
    expect(failurePolicy({ whenExhausted: 'halt' })).toEqual({
      maxAttempts: 5,
      initialDelayMs: 100,
      maxDelayMs: 10_000,
      whenExhausted: 'halt',
    });
  });

  it.each([{ maxAttempts: 0 }, { maxAttempts: 1.5 }, { initialDelayMs: -1 }, { initialDelayMs: 50, maxDelayMs: 10 }])(
    'refuses %j',
    (overrides) => {
      expect(() => failurePolicy(overrides)).toThrow(RangeError);
    },
  );
});
