import { randomUUID } from 'node:crypto';
import type { EventRecord } from '../storage/storage.js';
import { StreamsError } from './errors.js';
import type { ResolvedEvent } from './resolved-event.js';

/** What a catch-up subscription tells its client, in order. */
export type SubscriptionMessage =
  | { readonly kind: 'confirmation'; readonly subscriptionId: string }
  | { readonly kind: 'event'; readonly event: ResolvedEvent }
  /** Filtered $all only: every event up to this position has been considered. */
  | { readonly kind: 'checkpoint'; readonly position: number }
  /** Catch-up has reached the end of what is durable; live events follow. */
  | { readonly kind: 'caught-up' }
  /** The subscriber fell too far behind the live events: catching up from storage again (then caught-up again). */
  | { readonly kind: 'fell-behind' };

/** Where a subscription's messages go: a transport that can say "enough for now". */
export interface SubscriptionSink {
  /** Takes a message; false asks the subscription to send nothing more until `resume()`. */
  send(message: SubscriptionMessage): boolean;
  /** The subscription cannot go on (its stream was deleted); no message follows. */
  fail(error: StreamsError): void;
}

/** Live events a paused subscriber may have waiting before it is sent back to reading storage. */
const MAX_QUEUED_LIVE_EVENTS = 1024;

/**
 * A catch-up subscription: reads storage from its checkpoint until it reaches the durable end,
 * then takes events live, with no gap and no duplicate at the switch. Reading and the switch
 * happen in one synchronous section, and every live event arrives through the `LiveHub` after
 * it became readable, so the checkpoint (the last position or revision handed over) is all
 * it takes to skip what catch-up already sent.
 *
 * A subscriber that stops taking messages stops the reading. Live, its events queue up to a
 * bound; past it, the subscription leaves the live feed, says it fell behind, and catches up
 * from storage again once the subscriber takes messages (saying it caught up when it has), as
 * EventStoreDB 24.10's does, so it never holds up writers or grows without bound.
 */
export abstract class Subscription {
  readonly id = randomUUID();
  #mode: 'catching-up' | 'live' | 'stopped' = 'catching-up';
  #paused = false;
  #queue: EventRecord[] = [];
  #stopListening: (() => void) | undefined;
  /** Where catch-up is in storage, kept across pauses so resuming does not read again. */
  #reading: Iterator<EventRecord> | undefined;

  constructor(protected readonly sink: SubscriptionSink) {}

  /** Confirms the subscription and starts catching up. */
  start(): void {
    this.send({ kind: 'confirmation', subscriptionId: this.id });
    if (!this.#paused) this.#catchUp();
  }

  /** The sink can take messages again. */
  resume(): void {
    if (this.#mode === 'stopped' || !this.#paused) return;
    this.#paused = false;
    if (this.#mode === 'catching-up') {
      this.#catchUp();
      return;
    }
    while (this.#queue.length > 0 && !this.#paused && this.#mode === 'live') this.consider(this.#queue.shift()!);
  }

  /** Called once when the subscription stops, for whoever keeps track of live subscriptions. */
  onStop: (() => void) | undefined;

  /** The client went away, or the server stops. */
  stop(): void {
    if (this.#mode === 'stopped') return;
    this.onStop?.();
    this.#mode = 'stopped';
    this.#stopListening?.();
    this.#queue = [];
    this.#reading?.return?.();
    this.#reading = undefined;
  }

  /** Storage from the checkpoint on: read afresh each time catch-up starts, kept across pauses. */
  protected abstract readAfterCheckpoint(): Iterable<EventRecord>;
  /** Hands `record` over if it is past the checkpoint (and wanted), moving the checkpoint. */
  protected abstract consider(record: EventRecord): void;
  /** Subscribes `onLive` to the live feed; returns how to unsubscribe. */
  protected abstract listen(onLive: (record: EventRecord) => void): () => void;
  /** Called when catch-up reaches the end, just before the caught-up message. */
  protected onCaughtUp(): void {}
  /** Called when the subscription leaves the live feed, just before the fell-behind message. */
  protected onFellBehind(): void {}

  protected get stopped(): boolean {
    return this.#mode === 'stopped';
  }

  protected send(message: SubscriptionMessage): void {
    if (!this.sink.send(message)) this.#paused = true;
  }

  protected fail(error: StreamsError): void {
    this.stop();
    this.sink.fail(error);
  }

  #catchUp(): void {
    try {
      this.#reading ??= this.readAfterCheckpoint()[Symbol.iterator]();
      for (let next = this.#reading.next(); !next.done; next = this.#reading.next()) {
        this.consider(next.value);
        if (this.#mode === 'stopped' || this.#paused) return;
      }
    } catch (error) {
      if (!(error instanceof StreamsError)) throw error;
      this.fail(error);
      return;
    }
    this.#reading = undefined;
    this.#mode = 'live';
    this.#stopListening = this.listen((record) => this.#onLive(record));
    this.onCaughtUp();
    this.send({ kind: 'caught-up' });
  }

  #onLive(record: EventRecord): void {
    if (this.#mode !== 'live') return;
    if (!this.#paused && this.#queue.length === 0) {
      this.consider(record);
      return;
    }
    this.#queue.push(record);
    if (this.#queue.length > MAX_QUEUED_LIVE_EVENTS) this.#fallBehind();
  }

  #fallBehind(): void {
    this.#stopListening?.();
    this.#stopListening = undefined;
    this.#queue = [];
    this.#mode = 'catching-up';
    // Two small messages past the sink's limit, once per fall: bounded like everything else.
    this.onFellBehind();
    this.send({ kind: 'fell-behind' });
  }
}
