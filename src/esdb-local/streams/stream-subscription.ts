import type { EventRecord, EventStorage } from '../storage/storage.js';
import { StreamDeletedError } from './errors.js';
import { resolveNow } from './link-resolver.js';
import type { LiveHub } from './live-hub.js';
import type { StreamReader } from './stream-reader.js';
import { viewStream } from './stream-view.js';
import { Subscription, type SubscriptionSink } from './subscription.js';
import { STREAM_DELETED_EVENT_TYPE } from './system-names.js';

export interface StreamSubscriptionOptions {
  /** Deliver events after this revision (exclusive); 'start' from the first, 'end' only new ones. */
  readonly from: 'start' | 'end' | number;
  /** Follow `$>` links to their targets. */
  readonly resolveLinks?: boolean;
}

/**
 * A catch-up subscription to one stream. A stream that does not exist yet is simply waited for;
 * a tombstone ends the subscription with `StreamDeletedError`, as EventStoreDB does.
 */
export class StreamSubscription extends Subscription {
  #lastRevision: number;

  constructor(
    private readonly storage: EventStorage,
    private readonly reader: StreamReader,
    private readonly hub: LiveHub,
    sink: SubscriptionSink,
    private readonly streamId: string,
    private readonly options: StreamSubscriptionOptions,
  ) {
    super(sink);
    const { from } = options;
    this.#lastRevision = from === 'start' ? -1 : from === 'end' ? storage.lastRevision(streamId, 'durable') : from;
  }

  protected readAfterCheckpoint(): Iterable<EventRecord> {
    const view = viewStream(this.storage, this.streamId);
    if (view.tombstoned) throw new StreamDeletedError(this.streamId);
    return this.reader.streamEventsAfter(view, this.#lastRevision);
  }

  protected consider(record: EventRecord): void {
    if (record.revision <= this.#lastRevision) return;
    this.#lastRevision = record.revision;
    if (record.type === STREAM_DELETED_EVENT_TYPE) {
      this.fail(new StreamDeletedError(this.streamId));
      return;
    }
    const resolved = this.options.resolveLinks ? resolveNow(this.storage, record) : { event: record, link: undefined };
    this.send({ kind: 'event', event: resolved });
  }

  protected listen(onLive: (record: EventRecord) => void): () => void {
    return this.hub.listenToStream(this.streamId, onLive);
  }
}
