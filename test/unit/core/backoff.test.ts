import { describe, expect, it } from 'vitest';
import { backOff, backoffDelayMs, SleepAbortedError, sleep } from '../../../src/core/backoff.js';

describe('the backoff delay', () => {
  const exact = { initialMs: 100, maxMs: 1_000, jitter: 'none' } as const;
  const jittered = { ...exact, jitter: 'full' } as const;

  it('doubles from the initial delay per retry, up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffDelayMs(exact, retry))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('stays at the cap however many retries came before, with no overflow to NaN or Infinity', () => {
    expect(backoffDelayMs(exact, 5_000)).toBe(1_000);
    expect(backoffDelayMs({ initialMs: 0, maxMs: 0, jitter: 'none' }, 5_000)).toBe(0);
  });

  it('draws a full-jitter delay uniformly between 0 and the bound', () => {
    expect(backoffDelayMs(jittered, 2, () => 0)).toBe(0);
    expect(backoffDelayMs(jittered, 2, () => 0.5)).toBe(200);
    expect(backoffDelayMs(jittered, 9, () => 0.999)).toBeCloseTo(999);
    for (let retry = 0; retry < 12; retry++) {
      const delay = backoffDelayMs(jittered, retry);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(backoffDelayMs(exact, retry));
    }
  });
});

describe('the sleep', () => {
  it('resolves after its delay', async () => {
    const started = performance.now();
    await sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('rejects at once when its signal aborts, long before the delay', async () => {
    const stopping = new AbortController();
    const started = performance.now();
    const slept = sleep(60_000, stopping.signal);
    stopping.abort();
    await expect(slept).rejects.toBeInstanceOf(SleepAbortedError);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('rejects without waiting when its signal has already aborted', async () => {
    const started = performance.now();
    await expect(
      backOff({ initialMs: 60_000, maxMs: 60_000, jitter: 'none' }, 0, AbortSignal.abort()),
    ).rejects.toBeInstanceOf(SleepAbortedError);
    expect(performance.now() - started).toBeLessThan(100);
  });
});
