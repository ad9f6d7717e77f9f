import { ConsistencyTimeoutError } from '../errors.js';
import { requirePositionToken } from '../eventstore/positions.js';
import { streamChanges } from '../pubsub/change-bundles.js';
import type { ChannelStreamOptions } from '../pubsub/channel-stream.js';
import type { SubscriberHub } from '../pubsub/subscriber-hub.js';
import type { RedisClient } from '../redis/client.js';
import { timedOut, within } from '../time-limit.js';
import type { Tracing } from '../tracing/tracing.js';
import type { KeySpace } from './keys.js';
import type { PositionWaiter } from './position-waiter.js';

/**
 * How the query side reaches read models: which key space of each projection to read (after
 * waiting for a client's `consistentWith` position, if it gave one) and the live change
 * notifications projections publish. Domains' readers build on this and never on raw keys.
 */
export class ReadModels {
  constructor(
    /** For the reads themselves; readers batch theirs into as few round trips as they can. */
    readonly redis: RedisClient,
    private readonly hub: SubscriberHub,
    private readonly waiter: PositionWaiter,
    private readonly consistencyTimeoutMs: number,
    /** A span per change message handed to a subscription (see `streamChanges`). */
    private readonly tracing?: Tracing,
  ) {}

  /**
   * The key spaces to read the named projections from. With `consistentWith` (a position token a
   * mutation returned), first waits until every one of them has applied that position, up to the
   * configured bound (then `ConsistencyTimeoutError`). Without it, answers at once: a projection
   * that has never run has no key space yet (undefined), and its readers find nothing.
   * @throws ValidationError when `consistentWith` is not a position token.
   */
  async keySpaces(
    projections: readonly string[],
    consistentWith?: string | null,
  ): Promise<ReadonlyMap<string, KeySpace | undefined>> {
    if (consistentWith === null || consistentWith === undefined) return this.waiter.activeSpaces(projections);
    const position = requirePositionToken(consistentWith, 'consistentWith', 'a position token returned by a mutation');
    return this.waiter.waitFor(projections, position, this.consistencyTimeoutMs);
  }

  /**
   * The change notifications of one topic of a projection (what its `notify` ops publish),
   * live from the moment this resolves: subscribe first, then read the read model, and nothing
   * published in between is missed.
   */
  changes(projection: string, topic: string, options?: ChannelStreamOptions): Promise<AsyncIterableIterator<string>> {
    return streamChanges(this.hub, projection, topic, options, this.tracing);
  }

  /**
   * What `read` answers once `settled` holds of it: read now, and again after each change
   * notification of the projection's `topic` (subscribed before the first read, so no change
   * falls in between), for at most the consistency bound (then `ConsistencyTimeoutError`). For a
   * query that waits for a state, not a position: a transfer settled, say, whose settling
   * position nobody knows in advance.
   */
  async readUntil<T>(
    projection: string,
    topic: string,
    read: () => Promise<T>,
    settled: (value: T) => boolean,
  ): Promise<T> {
    const deadline = performance.now() + this.consistencyTimeoutMs;
    // Untraced: these messages wake a wait, they are pushed to no one.
    const changes = await streamChanges(this.hub, projection, topic);
    try {
      for (;;) {
        const value = await read();
        if (settled(value)) return value;
        const left = deadline - performance.now();
        const next = left > 0 ? await within(changes.next(), left) : timedOut;
        if (next === timedOut || next.done === true) {
          throw new ConsistencyTimeoutError(
            `${projection} did not reach the awaited state within ${this.consistencyTimeoutMs} ms`,
          );
        }
      }
    } finally {
      await changes.return?.();
    }
  }
}
