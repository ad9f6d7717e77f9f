import type { EventRecord, EventStorage } from '../storage/storage.js';
import type { EventFilter } from './event-filter.js';
import { isVisibleInAll } from './event-filter.js';
import { resolveNow } from './link-resolver.js';
import type { LiveHub } from './live-hub.js';
import { Subscription, type SubscriptionSink } from './subscription.js';

export interface AllSubscriptionOptions {
  /** Deliver events after this position (exclusive); 'start' from the first, 'end' only new ones. */
  readonly from: 'start' | 'end' | number;
  /** A client's server-side filter; without one, everything $all shows. */
  readonly filter?: EventFilter;
  /**
   * With a filter: send a checkpoint after this many events were looked at (matching or not), so a
   * client whose filter rarely matches still learns how far the subscription got.
   */
  readonly checkpointEvery?: number;
  /** Follow `$>` links to their targets. */
  readonly resolveLinks?: boolean;
}

/**
 * A catch-up subscription to $all. Its checkpoint is the position of the last record it looked
 * at; anything at or before it has been handled, so the switch from reading to live neither
 * repeats nor skips an event.
 */
export class AllSubscription extends Subscription {
  #lastPosition: number;
  #sinceCheckpoint = 0;
  readonly #filter: EventFilter;
  readonly #checkpointEvery: number | undefined;

  constructor(
    private readonly storage: EventStorage,
    private readonly hub: LiveHub,
    sink: SubscriptionSink,
    private readonly options: AllSubscriptionOptions,
  ) {
    super(sink);
    const { from } = options;
    this.#lastPosition = from === 'start' ? -1 : from === 'end' ? storage.headPosition - 1 : from;
    this.#filter = options.filter ?? isVisibleInAll;
    this.#checkpointEvery = options.filter ? Math.max(1, options.checkpointEvery ?? 32) : undefined;
  }

  protected readAfterCheckpoint(): Iterable<EventRecord> {
    return this.storage.readAll(this.#lastPosition + 1, 'forwards');
  }

  protected consider(record: EventRecord): void {
    if (record.position <= this.#lastPosition) return;
    this.#lastPosition = record.position;
    if (this.#filter(record)) {
      const resolved = this.options.resolveLinks
        ? resolveNow(this.storage, record)
        : { event: record, link: undefined };
      this.send({ kind: 'event', event: resolved });
    }
    if (this.#checkpointEvery !== undefined && ++this.#sinceCheckpoint >= this.#checkpointEvery) {
      this.#sinceCheckpoint = 0;
      this.send({ kind: 'checkpoint', position: record.position });
    }
  }

  protected listen(onLive: (record: EventRecord) => void): () => void {
    return this.hub.listenToAll((batch) => {
      for (const record of batch) onLive(record);
    });
  }

  /**
   * A filtered subscriber learns where it stands when it goes live and when it falls behind,
   * even if nothing matched on the way: at least one checkpoint within every interval.
   */
  protected override onCaughtUp(): void {
    this.#checkpointNow();
  }

  protected override onFellBehind(): void {
    this.#checkpointNow();
  }

  #checkpointNow(): void {
    if (this.#checkpointEvery === undefined || this.#sinceCheckpoint === 0) return;
    this.#sinceCheckpoint = 0;
    this.send({ kind: 'checkpoint', position: this.#lastPosition });
  }
}
