/**
 * What a runner does when a handler (or the commit of its ops) keeps failing on an event: retry
 * with exponential backoff, then park the event and move on, or stop the projection so a human
 * looks first. Parking suits read models that tolerate a gap; stopping suits those where every
 * later event depends on this one (a balance). Pure: the runner sleeps and parks.
 */
export interface FailurePolicy {
  /** Attempts in all, the first included, before giving up on an event. */
  readonly maxAttempts: number;
  /** Wait after the first failure; doubles after each further one. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly whenExhausted: 'park' | 'stop';
}

export type FailureDecision =
  | { readonly action: 'retry'; readonly delayMs: number }
  | { readonly action: 'park' }
  | { readonly action: 'stop' };

export const defaultFailurePolicy: FailurePolicy = {
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  whenExhausted: 'park',
};

/** A projection's policy: the defaults with its overrides, checked once at start-up. */
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
  const delayMs = policy.initialDelayMs * 2 ** (failedAttempts - 1);
  return { action: 'retry', delayMs: Math.min(delayMs, policy.maxDelayMs) };
};
