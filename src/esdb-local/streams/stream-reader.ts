import type { EventRecord, EventStorage, ReadDirection } from '../storage/storage.js';
import { type EventFilter, isVisibleInAll } from './event-filter.js';
import { LinkResolver } from './link-resolver.js';
import type { ResolvedEvent } from './resolved-event.js';
import { isSoftDeleted, lowestReadableRevision } from './stream-metadata.js';
import { maxAgeThreshold, type StreamView, viewStream } from './stream-view.js';
import { nowInTicks } from './ticks.js';

/** Where a read starts: the beginning, the end, or a stream revision / $all position. */
export type ReadOrigin = 'start' | 'end' | number;

export interface ReadOptions {
  readonly from: ReadOrigin;
  readonly direction: ReadDirection;
  readonly maxCount: number;
  readonly resolveLinks: boolean;
}

export type StreamReadOutcome =
  | { readonly kind: 'events'; readonly events: Iterable<ResolvedEvent> }
  | { readonly kind: 'stream-not-found' }
  | { readonly kind: 'stream-deleted' };

/**
 * Reads of one stream and of $all, lazily: events come out of storage as the caller consumes
 * them, so a large read never sits in memory. Stream reads honour `$maxCount`, `$maxAge` and
 * `$tb`; $all shows every event (until a scavenge, which esdb-local never runs) except the
 * ones EventStoreDB hides from it.
 */
export class StreamReader {
  constructor(private readonly storage: EventStorage) {}

  readStream(streamId: string, options: ReadOptions): StreamReadOutcome {
    const view = viewStream(this.storage, streamId);
    if (view.tombstoned) return { kind: 'stream-deleted' };
    if (view.lastRevision < 0 || isSoftDeleted(view.metadata)) return { kind: 'stream-not-found' };
    const records =
      options.direction === 'forwards' ? this.#forwards(view, options.from) : this.#backwards(view, options.from);
    return { kind: 'events', events: this.#resolve(take(records, options.maxCount), options.resolveLinks) };
  }

  /** $all, optionally filtered; `from` a position is inclusive forwards and exclusive backwards. */
  readAll(options: ReadOptions, filter: EventFilter = isVisibleInAll): Iterable<ResolvedEvent> {
    const { from, direction } = options;
    const start = from === 'start' ? 0 : from === 'end' ? this.storage.headPosition : from;
    const records = this.storage.readAll(start, direction);
    return this.#resolve(take(where(records, filter), options.maxCount), options.resolveLinks);
  }

  /** The stream's readable events after `afterRevision`, for a subscription catching up. */
  streamEventsAfter(view: StreamView, afterRevision: number): Iterable<EventRecord> {
    return this.#forwards(view, afterRevision + 1);
  }

  *#forwards(view: StreamView, from: ReadOrigin): Generator<EventRecord> {
    const lowest = lowestReadableRevision(view.metadata, view.lastRevision);
    const start = Math.max(from === 'start' ? 0 : from === 'end' ? view.lastRevision + 1 : from, lowest);
    const threshold = maxAgeThreshold(view.metadata, nowInTicks());
    for (const record of this.storage.readStream(view.streamId, start, 'forwards')) {
      if (threshold === undefined || record.created >= threshold) yield record;
    }
  }

  *#backwards(view: StreamView, from: ReadOrigin): Generator<EventRecord> {
    const lowest = lowestReadableRevision(view.metadata, view.lastRevision);
    const start = from === 'start' ? 0 : from === 'end' ? view.lastRevision : Math.min(from, view.lastRevision);
    const threshold = maxAgeThreshold(view.metadata, nowInTicks());
    for (const record of this.storage.readStream(view.streamId, start, 'backwards')) {
      if (record.revision < lowest) return;
      // Older events only get older from here: EventStoreDB stops at the first expired one too.
      if (threshold !== undefined && record.created < threshold) return;
      yield record;
    }
  }

  *#resolve(records: Iterable<EventRecord>, resolveLinks: boolean): Generator<ResolvedEvent> {
    const resolver = resolveLinks ? new LinkResolver(this.storage) : undefined;
    for (const record of records) {
      yield resolver ? resolver.resolve(record) : { event: record, link: undefined };
    }
  }
}

function* take<T>(items: Iterable<T>, count: number): Generator<T> {
  if (count <= 0) return;
  let taken = 0;
  for (const item of items) {
    yield item;
    if (++taken >= count) return;
  }
}

function* where<T>(items: Iterable<T>, predicate: (item: T) => boolean): Generator<T> {
  for (const item of items) if (predicate(item)) yield item;
}
