import type { EventRecord, EventStorage } from '../storage/storage.js';
import { type ResolvedEvent, unresolved } from './resolved-event.js';
import { isSoftDeleted, lowestReadableRevision } from './stream-metadata.js';
import { durableRecordAt, maxAgeThreshold, type StreamView, viewStream } from './stream-view.js';
import { LINK_EVENT_TYPE } from './system-names.js';
import { nowInTicks } from './ticks.js';

const LINK_DATA = /^\s*(-?\d+)\s*@(.*)$/s;

/**
 * Follows links (`$>` events whose data is `"<revision>@<stream>"`) to their targets, as
 * EventStoreDB's `ResolveLinkToEvent`: a target that is deleted, truncated, expired or
 * missing leaves the link unresolved. One resolver serves one read, caching the streams it
 * looks up.
 */
export class LinkResolver {
  readonly #views = new Map<string, StreamView>();
  readonly #now = nowInTicks();

  constructor(private readonly storage: EventStorage) {}

  resolve(record: EventRecord): ResolvedEvent {
    if (record.type !== LINK_EVENT_TYPE) return unresolved(record);
    return { event: this.#target(record), link: record };
  }

  #target(link: EventRecord): EventRecord | undefined {
    const match = LINK_DATA.exec(
      Buffer.from(link.data.buffer, link.data.byteOffset, link.data.byteLength).toString('utf8'),
    );
    if (!match) return undefined;
    const view = this.#view(match[2]!);
    if (view.tombstoned || view.lastRevision < 0 || isSoftDeleted(view.metadata)) return undefined;
    const requested = Number(match[1]);
    // EventStoreDB reads revision -1 as "the last one".
    const revision = requested === -1 ? view.lastRevision : requested;
    if (revision < lowestReadableRevision(view.metadata, view.lastRevision) || revision > view.lastRevision) {
      return undefined;
    }
    const target = durableRecordAt(this.storage, view.streamId, revision);
    const threshold = maxAgeThreshold(view.metadata, this.#now);
    if (target && threshold !== undefined && target.created < threshold) return undefined;
    return target;
  }

  #view(streamId: string): StreamView {
    let view = this.#views.get(streamId);
    if (!view) {
      view = viewStream(this.storage, streamId);
      this.#views.set(streamId, view);
    }
    return view;
  }
}

/**
 * Resolves one record on its own, against storage as it is now: what a long-lived subscription
 * needs, where a cached view of the target stream would go stale.
 */
export const resolveNow = (storage: EventStorage, record: EventRecord): ResolvedEvent =>
  record.type === LINK_EVENT_TYPE ? new LinkResolver(storage).resolve(record) : unresolved(record);
