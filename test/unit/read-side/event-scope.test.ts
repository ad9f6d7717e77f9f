import { describe, expect, it } from 'vitest';
import { eventScope, failurePolicyOf } from '../../../src/core/projections/event-scope.js';
import { defaultFailurePolicy, failurePolicy } from '../../../src/core/projections/failure-policy.js';

describe("a projection's event scope", () => {
  const event = (type: string, streamName: string) => ({ type, streamName });

  it('takes the types it handles, from every stream when it names no category', () => {
    const wants = eventScope({ name: 'p', handles: ['Opened'] });
    expect([
      wants(event('Opened', 'account-1')),
      wants(event('Opened', 'card-1')),
      wants(event('Closed', 'account-1')),
    ]).toEqual([true, true, false]);
  });

  it('takes only streams of its category: the name before the first dash, whole', () => {
    const wants = eventScope({ name: 'p', handles: ['Opened'], streamCategory: 'account' });
    expect(wants(event('Opened', 'account-1'))).toBe(true);
    expect(wants(event('Opened', 'account-with-dashes-2'))).toBe(true);
    expect(wants(event('Opened', 'accounts-1'))).toBe(false);
    expect(wants(event('Opened', 'account'))).toBe(false);
    expect(wants(event('Opened', 'card-account-1'))).toBe(false);
  });

  it.each(['', 'account-', 'two words', 'a*'])('refuses the category %j', (streamCategory) => {
    expect(() => eventScope({ name: 'p', handles: [], streamCategory })).toThrow(TypeError);
  });
});

describe("a projection's failure policy", () => {
  it('is the default when it declares none, and its own when it does', () => {
    expect(failurePolicyOf({})).toEqual(defaultFailurePolicy);
    expect(failurePolicyOf({ failurePolicy: failurePolicy({ whenExhausted: 'halt' }) }).whenExhausted).toBe('halt');
  });

  it('refuses a declared policy that could never run', () => {
    expect(() => failurePolicyOf({ failurePolicy: { ...defaultFailurePolicy, maxAttempts: 0 } })).toThrow(RangeError);
  });
});
