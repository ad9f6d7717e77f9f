/**
 * The one way esgraph waits before trying again: an exponentially growing delay with a cap, and
 * a sleep that an `AbortSignal` cuts short, so a loop that backs off never holds `stop()` for the
 * rest of its wait.
 */

/** How a loop backs off: the bound starts at `initialMs`, doubles per retry and stops at `maxMs`. */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /**
   * `full`: a random delay between 0 and the bound, so contenders that failed together spread
   * out. `none`: the bound itself, where the delays are promised to operators (or to a test).
   */
  readonly jitter: 'full' | 'none';
}

/**
 * The delay before retry number `retry` (0 for the first): `min(maxMs, initialMs × 2^retry)`, or
 * a uniform draw below it with full jitter.
 */
export const backoffDelayMs = (policy: BackoffPolicy, retry: number, random: () => number = Math.random): number => {
  // 2 ** 1100 is Infinity, and Infinity × 0 is NaN: the cap has to win before the product is taken.
  const bound = policy.initialMs === 0 ? 0 : Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, retry));
  return policy.jitter === 'full' ? random() * bound : bound;
};

/** A sleep was cut short by its signal: the loop that slept is being stopped. */
export class SleepAbortedError extends Error {
  override readonly name = 'SleepAbortedError';
}

/**
 * Waits `ms`, or rejects with `SleepAbortedError` as soon as `signal` aborts (at once when it
 * already has). The timer is cleared on abort, so nothing keeps the process alive after a stop.
 */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SleepAbortedError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new SleepAbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Sleeps the policy's delay before retry number `retry`; rejects with `SleepAbortedError` on abort. */
export const backOff = (policy: BackoffPolicy, retry: number, signal?: AbortSignal): Promise<void> =>
  sleep(backoffDelayMs(policy, retry), signal);
