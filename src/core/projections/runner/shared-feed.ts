import { excludeSystemEvents, type ResolvedEvent, START, type StreamSubscription } from '@eventstore/db-client';
import { type BackoffPolicy, backOff } from '../../backoff.js';
import type { EventStoreClient } from '../../eventstore/client.js';
import { type EventEnvelope, toEventEnvelope } from '../../eventstore/event-envelope.js';
import type { Logger } from '../../logger.js';
import { type BatchingOptions, readBatches } from './event-batches.js';

/** Between attempts to subscribe to $all again: 200 ms, doubling, up to 5 s; stop() cuts it short. */
const RESUBSCRIBE: BackoffPolicy = { initialMs: 200, maxMs: 5_000, jitter: 'none' };

/** Told of each batch a lane applied: its runner's name, its events, how long it took (metrics). */
export type BatchObserver = (name: string, events: number, seconds: number) => void;

/** What the feed needs of a projection it feeds. */
export interface FeedLane {
  /** The last position this lane applied; the feed starts no later than the lowest of them. */
  readonly checkpoint: bigint | undefined;
  /**
   * Applies the events past its checkpoint (the feed hands every lane the same batch). Never
   * throws: a lane that fails ends its own session and leaves the feed.
   */
  apply(events: readonly EventEnvelope[]): Promise<void>;
  /** The feed has handed over everything the event store holds, and every lane has applied it. */
  caughtUp(): void;
}

/**
 * One catch-up subscription to `$all` (system events filtered out on the server) shared by every
 * projection this process writes. Decoding an event costs the client more than projecting it, so
 * a process decodes each event once, whatever number of read models it keeps. The feed starts at
 * the lowest checkpoint among its lanes, hands each batch to all of them (each skips what it has
 * applied already) and pulls the next batch only when every lane is done with this one. A lane
 * joining behind the feed makes it start over from that lane's checkpoint.
 */
export class SharedFeed {
  readonly #lanes = new Set<FeedLane>();
  #subscription: StreamSubscription | undefined;
  /**
   * The last position handed to the lanes (applied or being applied); a lane joining behind it
   * would miss events, so the feed starts over for it.
   */
  #handedOut: bigint | undefined;
  #restart = false;
  /** Caught up, with every lane done with what it was handed: a lane joining now is live at once. */
  #idleAtHead = false;
  #stopped = false;
  readonly #stopping = new AbortController();
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly eventStore: EventStoreClient,
    private readonly options: BatchingOptions,
    private readonly log: Logger,
  ) {}

  join(lane: FeedLane): void {
    this.#lanes.add(lane);
    if (this.#subscription && isBehind(lane.checkpoint, this.#handedOut)) this.#startOver();
    else if (this.#idleAtHead) queueMicrotask(() => lane.caughtUp());
    this.#running ??= this.#run();
    this.#wake?.();
  }

  leave(lane: FeedLane): void {
    this.#lanes.delete(lane);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    this.#wake?.();
    this.#startOver();
    await this.#running;
  }

  #startOver(): void {
    this.#restart = true;
    this.#idleAtHead = false;
    void this.#subscription?.unsubscribe().catch(() => undefined);
  }

  async #run(): Promise<void> {
    for (let failures = 0; !this.#stopped; ) {
      if (this.#lanes.size === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        continue;
      }
      try {
        await this.#follow(lowest([...this.#lanes].map((lane) => lane.checkpoint)));
        failures = 0;
      } catch (error) {
        failures++;
        this.log.warn({ err: error, failures }, 'the $all subscription failed; subscribing again');
        // stop() aborts this wait: a feed whose event store is down must not hold shutdown for it.
        await backOff(RESUBSCRIBE, failures - 1, this.#stopping.signal).catch(() => undefined);
      }
    }
  }

  /** Follows $all from `from` (exclusive) until told to start over or stop, or the subscription fails. */
  async #follow(from: bigint | undefined): Promise<void> {
    this.#restart = false;
    this.#handedOut = from;
    const subscription = this.eventStore.subscribeToAll(
      {
        fromPosition: from === undefined ? START : { commit: from, prepare: from },
        filter: excludeSystemEvents(),
      },
      // The stream's default buffer (16 events) pauses the gRPC call every few events while a
      // batch commits; room for a batch or two keeps the events flowing during the commit.
      { highWaterMark: 2 * this.options.maxItems },
    );
    this.#subscription = subscription;
    // Caught up means: the store said so, every event read has been applied, and the reader waits
    // with nothing in hand. Announcing before the last events read were applied would let a
    // rebuilt build replace the live one while missing them.
    let caughtUp = false;
    let applying = false;
    let readerIdle = false;
    const announceIfIdle = (): void => {
      if (!caughtUp || applying || !readerIdle || this.#restart) return;
      this.#idleAtHead = true;
      for (const lane of this.#lanes) lane.caughtUp();
    };
    subscription.on('caughtUp', () => {
      caughtUp = true;
      announceIfIdle();
    });
    const onReaderIdle = (): void => {
      readerIdle = true;
      announceIfIdle();
    };
    // While the lanes commit one batch, the next is read and decoded: the two halves of the work
    // overlap instead of taking turns. Never more than one batch is being applied.
    let applied: Promise<void> = Promise.resolve();
    try {
      for await (const resolved of readBatches<ResolvedEvent>(subscription, this.options, onReaderIdle)) {
        readerIdle = false;
        const batch = this.#records(resolved);
        if (batch.length === 0) continue;
        await applied;
        // No lane left (leases lost, a rebuild done): stop reading until one joins again.
        if (this.#restart || this.#stopped || this.#lanes.size === 0) break;
        applying = true;
        this.#idleAtHead = false;
        this.#handedOut = batch[batch.length - 1]!.position;
        applied = Promise.all([...this.#lanes].map((lane) => lane.apply(batch))).then(() => {
          applying = false;
          announceIfIdle();
        });
      }
      await applied;
    } finally {
      this.#subscription = undefined;
      this.#idleAtHead = false;
      await subscription.unsubscribe().catch(() => undefined);
    }
  }

  #records(batch: readonly ResolvedEvent[]): EventEnvelope[] {
    const events: EventEnvelope[] = [];
    for (const resolved of batch) {
      const event = toEventEnvelope(resolved);
      if (event) events.push(event);
    }
    return events;
  }
}

/** Whether a lane at `checkpoint` needs events the feed has already handed out. */
const isBehind = (checkpoint: bigint | undefined, handedOut: bigint | undefined): boolean =>
  handedOut !== undefined && (checkpoint === undefined || checkpoint < handedOut);

const lowest = (checkpoints: readonly (bigint | undefined)[]): bigint | undefined => {
  let low: bigint | undefined;
  for (const checkpoint of checkpoints) {
    if (checkpoint === undefined) return undefined;
    if (low === undefined || checkpoint < low) low = checkpoint;
  }
  return low;
};
