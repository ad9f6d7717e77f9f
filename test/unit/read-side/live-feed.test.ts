import { describe, expect, it } from 'vitest';
import { liveFeed } from '../../../src/core/projections/live-feed.js';

/** A change stream the test feeds by hand; `returned` tells whether the feed let go of it. */
const changeStream = () => {
  const queued: string[] = [];
  const waiting: ((result: IteratorResult<string>) => void)[] = [];
  let ended = false;
  const stream = {
    returned: false,
    push(message: string) {
      const resolve = waiting.shift();
      if (resolve) resolve({ value: message, done: false });
      else queued.push(message);
    },
    next(): Promise<IteratorResult<string>> {
      const message = queued.shift();
      if (message !== undefined) return Promise.resolve({ value: message, done: false });
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => waiting.push(resolve));
    },
    async return(): Promise<IteratorResult<string>> {
      stream.returned = true;
      ended = true;
      for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
};

const take = async <T>(feed: AsyncIterator<T>, count: number): Promise<T[]> => {
  const items: T[] = [];
  while (items.length < count) {
    const result = await feed.next();
    if (result.done) break;
    items.push(result.value);
  }
  return items;
};

const feedOf = (changes: ReturnType<typeof changeStream>, catchUp: bigint[], after: bigint) =>
  liveFeed({ changes, catchUp, live: (message) => BigInt(message), positionOf: (item) => item, after });

describe('a live feed', () => {
  it('sends what was missed, then live changes, skipping everything at or before the last one sent', async () => {
    const changes = changeStream();
    // 30 and 40 were committed while the catch-up was read: they are in both.
    for (const message of ['30', '40', '50', '40', '60']) changes.push(message);
    const feed = feedOf(changes, [10n, 20n, 30n, 40n], 15n);
    expect(await take(feed, 4)).toEqual([20n, 30n, 40n, 50n]);
    expect(await take(feed, 1)).toEqual([60n]);
    await feed.return?.();
  });

  it('skips notifications a mapping turns into nothing', async () => {
    const changes = changeStream();
    const feed = liveFeed({
      changes,
      catchUp: [],
      live: (message) => (message === 'noise' ? undefined : Number(message)),
      positionOf: (item) => BigInt(item),
      after: -1n,
    });
    changes.push('noise');
    changes.push('7');
    expect(await take(feed, 1)).toEqual([7]);
    await feed.return?.();
  });

  it('lets go of the change stream at once when the subscriber leaves while waiting', async () => {
    const changes = changeStream();
    const feed = feedOf(changes, [], -1n);
    const pending = feed.next();
    await feed.return?.();
    expect(changes.returned).toBe(true);
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('lets go of the change stream when the subscriber leaves between items', async () => {
    const changes = changeStream();
    changes.push('1');
    const feed = feedOf(changes, [], -1n);
    expect(await take(feed, 1)).toEqual([1n]);
    await feed.return?.();
    expect(changes.returned).toBe(true);
  });
});
