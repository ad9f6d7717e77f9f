import { randomUUID } from 'node:crypto';
import type { EventRecord, EventStorage, NewEventRecord } from '../storage/storage.js';
import { type AppendDecision, decideAppend } from './append-decision.js';
import { DurabilityWatch } from './durability-watch.js';
import { ServerUnavailableError, StreamDeletedError, WrongExpectedVersionError } from './errors.js';
import type { ExpectedRevision } from './expected-revision.js';
import { RecentEventIds } from './recent-event-ids.js';
import {
  isSoftDeleted,
  NO_METADATA,
  parseStreamMetadata,
  softDeleteMetadata,
  undeletedMetadata,
} from './stream-metadata.js';
import { type StreamState, StreamStates } from './stream-states.js';
import {
  isMetastream,
  METADATA_EVENT_TYPE,
  metastreamOf,
  originalStreamOf,
  STREAM_DELETED_EVENT_TYPE,
} from './system-names.js';
import { nowInTicks } from './ticks.js';

/** An event a client asks to append. */
export interface ProposedEvent {
  /** Canonical lower-case UUID. */
  readonly eventId: string;
  readonly type: string;
  readonly isJson: boolean;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

/** A successful write: where the stream now ends and where its last written event sits in $all. */
export interface WriteResult {
  /** The last revision written (for an idempotent retry, the last revision written the first time). */
  readonly revision: number;
  /** The $all position of that event; undefined when nothing was written (an empty append). */
  readonly position: number | undefined;
}

const EMPTY = new Uint8Array(0);

/**
 * Appends, soft deletes and tombstones with EventStoreDB's semantics. Each public method runs
 * its expected-revision check and hands the records to `storage.append` in one synchronous
 * section: no other write can slip between the check and the write it guards. The promise
 * settles once the records are durable.
 */
export class StreamWriter {
  readonly #recentIds = new RecentEventIds();
  readonly #states: StreamStates;
  readonly #durability: DurabilityWatch;

  constructor(
    private readonly storage: EventStorage,
    private readonly onStorageFailure: (error: unknown) => void,
  ) {
    this.#states = new StreamStates(storage);
    this.#durability = new DurabilityWatch(storage);
  }

  append(streamId: string, expected: ExpectedRevision, events: readonly ProposedEvent[]): Promise<WriteResult> {
    const eventIds = events.map((event) => event.eventId);
    const { current, decision } = this.#decide(streamId, expected, eventIds);
    if (decision.kind === 'idempotent') return this.#originalAnswer(streamId, decision.last);
    if (decision.kind !== 'write') return Promise.reject(this.#failure(decision, streamId, expected, current));
    if (events.length === 0) return Promise.resolve({ revision: current, position: undefined });

    const created = nowInTicks();
    const records = events.map(
      (event, index): NewEventRecord => ({
        streamId,
        revision: current + 1 + index,
        eventId: event.eventId,
        type: event.type,
        isJson: event.isJson,
        created,
        data: event.data,
        metadata: event.metadata,
      }),
    );
    for (const record of records) this.#recentIds.remember(record.eventId, { streamId, revision: record.revision });
    const followUps = isMetastream(streamId)
      ? this.#applyMetadataWrite(originalStreamOf(streamId), records, created)
      : decision.recreatesSoftDeleted
        ? this.#undelete(streamId, current + 1, created)
        : [];
    return this.#write(followUps.length > 0 ? [...records, ...followUps] : records, records.length);
  }

  /** Soft delete: `$tb` = long.MaxValue in `$$<stream>`; reads say not found until the stream is written again. */
  delete(streamId: string, expected: ExpectedRevision): Promise<WriteResult> {
    const { current, decision } = this.#decide(streamId, expected, [randomUUID()]);
    if (decision.kind !== 'write') return Promise.reject(this.#failure(decision, streamId, expected, current));
    const metastreamId = metastreamOf(streamId);
    const metastreamRevision = this.storage.lastRevision(metastreamId, 'accepted');
    // EventStoreDB refuses to soft delete a stream that has neither events nor metadata.
    if (current < 0 && metastreamRevision < 0) {
      return Promise.reject(new WrongExpectedVersionError(streamId, expected, current));
    }
    const data = softDeleteMetadata();
    this.#remember(this.#states.get(streamId), data);
    return this.#write([metadataRecord(metastreamId, metastreamRevision + 1, data, nowInTicks())], 1);
  }

  /** Hard delete: a `$streamDeleted` tombstone after which the stream can never be read or written. */
  tombstone(streamId: string, expected: ExpectedRevision): Promise<WriteResult> {
    const { current, decision } = this.#decide(streamId, expected, [randomUUID()]);
    if (decision.kind !== 'write') return Promise.reject(this.#failure(decision, streamId, expected, current));
    this.#states.get(streamId).tombstoned = true;
    const tombstone: NewEventRecord = {
      streamId,
      revision: current + 1,
      eventId: randomUUID(),
      type: STREAM_DELETED_EVENT_TYPE,
      isJson: false,
      created: nowInTicks(),
      data: EMPTY,
      metadata: EMPTY,
    };
    return this.#write([tombstone], 1);
  }

  #decide(streamId: string, expected: ExpectedRevision, eventIds: readonly string[]) {
    const metastream = isMetastream(streamId);
    // A metastream is deleted with its stream, and is never soft deleted itself.
    const state = this.#states.get(metastream ? originalStreamOf(streamId) : streamId);
    const current = this.storage.lastRevision(streamId, 'accepted');
    const decision = decideAppend({
      streamId,
      expected,
      current,
      tombstoned: state.tombstoned,
      softDeleted: !metastream && isSoftDeleted(state.metadata),
      metastreamExists: this.storage.lastRevision(metastreamOf(streamId), 'accepted') >= 0,
      eventIds,
      recentPlacement: (eventId) => this.#recentIds.get(eventId),
      storedEventId: (revision) => this.#storedRecord(streamId, revision)?.eventId,
    });
    return { current, decision };
  }

  #failure(decision: AppendDecision, streamId: string, expected: ExpectedRevision, current: number): Error {
    return decision.kind === 'stream-deleted'
      ? new StreamDeletedError(streamId)
      : new WrongExpectedVersionError(streamId, expected, current);
  }

  /**
   * A write to `$$<stream>` changes what the writer knows of `<stream>`. If that stream was
   * soft deleted, EventStoreDB follows the new metadata with a copy whose `$tb` recreates it.
   */
  #applyMetadataWrite(streamId: string, records: readonly NewEventRecord[], created: bigint): NewEventRecord[] {
    const state = this.#states.get(streamId);
    const wasSoftDeleted = isSoftDeleted(state.metadata);
    const latest = records[records.length - 1]!;
    this.#remember(state, latest.isJson ? latest.data : undefined);
    if (!wasSoftDeleted) return [];
    return this.#undelete(streamId, this.storage.lastRevision(streamId, 'accepted') + 1, created, latest.revision + 1);
  }

  /** The metadata record that recreates a soft-deleted stream from `recreatedFrom` on, if any. */
  #undelete(
    streamId: string,
    recreatedFrom: number,
    created: bigint,
    metastreamRevision = this.storage.lastRevision(metastreamOf(streamId), 'accepted') + 1,
  ): NewEventRecord[] {
    const state = this.#states.get(streamId);
    const data = state.rawMetadata && undeletedMetadata(state.rawMetadata, recreatedFrom);
    if (!data) return [];
    this.#remember(state, data);
    return [metadataRecord(metastreamOf(streamId), metastreamRevision, data, created)];
  }

  #remember(state: StreamState, rawMetadata: Uint8Array | undefined): void {
    state.rawMetadata = rawMetadata;
    state.metadata = rawMetadata ? parseStreamMetadata(rawMetadata) : NO_METADATA;
  }

  #write(records: readonly NewEventRecord[], answerFrom: number): Promise<WriteResult> {
    let written: Promise<readonly EventRecord[]>;
    try {
      written = this.storage.append(records);
    } catch (error) {
      written = Promise.reject(error);
    }
    return written.then(
      (stored) => {
        const last = stored[answerFrom - 1]!;
        return { revision: last.revision, position: last.position };
      },
      (error: unknown) => {
        this.onStorageFailure(error);
        throw new ServerUnavailableError('Storage failed');
      },
    );
  }

  /** The answer the first write of these events got, once that write is durable. */
  async #originalAnswer(streamId: string, lastRevision: number): Promise<WriteResult> {
    await this.#durability.whenDurable(streamId, lastRevision);
    return { revision: lastRevision, position: this.#storedRecord(streamId, lastRevision)?.position };
  }

  #storedRecord(streamId: string, revision: number): EventRecord | undefined {
    for (const record of this.storage.readStream(streamId, revision, 'forwards')) {
      return record.revision === revision ? record : undefined;
    }
    return undefined;
  }
}

const metadataRecord = (streamId: string, revision: number, data: Uint8Array, created: bigint): NewEventRecord => ({
  streamId,
  revision,
  eventId: randomUUID(),
  type: METADATA_EVENT_TYPE,
  isJson: true,
  created,
  data,
  metadata: EMPTY,
});
