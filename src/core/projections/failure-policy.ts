import { backoffDelayMs } from '../backoff.js';

/**
 * What a runner does when a handler (or the commit of its ops) keeps failing on an event: retry
 * with exponential backoff, then park the event and move on, or halt the projection so a human
 * looks first. Parking suits read models that tolerate a gap; halting suits those where every
 * later event depends on this one (a balance). Each projection declares its own
 * (`Projection.failurePolicy`); pure: the runner sleeps, parks and records halts.
 */
export interface FailurePolicy {
  /** Attempts in all, the first included, before giving up on an event. */
  readonly maxAttempts: number;
  /** Wait after the first failure; doubles after each further one. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly whenExhausted: 'park' | 'halt';
}

export type FailureDecision =
  | { readonly action: 'retry'; readonly delayMs: number }
  | { readonly action: 'park' }
  | { readonly action: 'halt' };

export const defaultFailurePolicy: FailurePolicy = {
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  whenExhausted: 'park',
};

/** A projection's policy: the defaults with its overrides, checked when it is built. */
export const failurePolicy = (overrides: Partial<FailurePolicy> = {}): FailurePolicy => {
  const policy = { ...defaultFailurePolicy, ...overrides };
  if (!Number.isSafeInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a positive integer, got ${policy.maxAttempts}`);
  }
  if (!(policy.initialDelayMs >= 0 && policy.maxDelayMs >= policy.initialDelayMs)) {
    throw new RangeError(
      `need 0 <= initialDelayMs <= maxDelayMs, got ${policy.initialDelayMs} and ${policy.maxDelayMs}`,
    );
  }
  return policy;
};

/** The decision after `failedAttempts` attempts (1 after the first failure) have failed on one event. */
export const decideOnFailure = (policy: FailurePolicy, failedAttempts: number): FailureDecision => {
  if (failedAttempts >= policy.maxAttempts) return { action: policy.whenExhausted };
  // Exact delays, no jitter: a build has one writer, so there is no crowd of retries to spread out.
  const delayMs = backoffDelayMs(
    { initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs, jitter: 'none' },
    failedAttempts - 1,
  );
  return { action: 'retry', delayMs };
};
