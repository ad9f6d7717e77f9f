/** How a subscription's items are made: what was missed, then what changes. */
export interface LiveFeedOptions<T> {
  /**
   * The read model's change notifications, subscribed BEFORE `catchUp` was read, so that nothing
   * committed in between is lost: it is in the read, in the channel, or in both.
   */
  readonly changes: AsyncIterableIterator<string>;
  /** What the subscriber missed, oldest first, read from the read model after subscribing. */
  readonly catchUp: Iterable<T> | AsyncIterable<T>;
  /** The item a notification announces; undefined skips it. */
  readonly live: (message: string) => T | undefined | Promise<T | undefined>;
  /** Where an item sits in $all. */
  readonly positionOf: (item: T) => bigint;
  /** The last position the subscriber has seen: only items past it are sent. */
  readonly after: bigint;
}

/**
 * A subscription's stream: the catch-up items, then live ones, each sent only if it is past the
 * last position sent. Both sources overlap around the moment of reading (a change can be in the
 * read and in the channel), and that rule is what makes the joint neither lose nor repeat one.
 * Per channel, notifications arrive in log order, so positions only grow.
 *
 * `return()` (the client unsubscribed) ends `changes` first: a generator waiting for the next
 * notification would otherwise only see the request once another notification arrived, and the
 * Redis channel would stay subscribed until then.
 */
export const liveFeed = <T>(options: LiveFeedOptions<T>): AsyncIterableIterator<T> => {
  const items = inLogOrder(options);
  return {
    next: () => items.next(),
    return: async () => {
      await options.changes.return?.();
      return items.return(undefined);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
};

async function* inLogOrder<T>({ changes, catchUp, live, positionOf, after }: LiveFeedOptions<T>): AsyncGenerator<T> {
  let last = after;
  const isNew = (item: T): boolean => {
    const position = positionOf(item);
    if (position <= last) return false;
    last = position;
    return true;
  };
  try {
    for await (const item of catchUp) if (isNew(item)) yield item;
    for await (const message of changes) {
      const item = await live(message);
      if (item !== undefined && isNew(item)) yield item;
    }
  } finally {
    await changes.return?.();
  }
}
