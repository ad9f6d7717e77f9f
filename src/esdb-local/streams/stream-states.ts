import type { EventStorage } from '../storage/storage.js';
import { GenerationalCache } from './generational-cache.js';
import { NO_METADATA, parseStreamMetadata, type StreamMetadata } from './stream-metadata.js';
import { metastreamOf, STREAM_DELETED_EVENT_TYPE } from './system-names.js';

/** What the write path must know about a stream beyond its last revision. */
export interface StreamState {
  tombstoned: boolean;
  metadata: StreamMetadata;
  /** The latest metadata event's data, kept to rewrite `$tb` when a soft-deleted stream is recreated. */
  rawMetadata: Uint8Array | undefined;
}

/**
 * Tombstone and metadata of streams as of every accepted write, which the expected-revision
 * check needs but storage only shows once durable. A state is loaded from storage on first use
 * and updated by the writer at acceptance. States of streams not used lately are forgotten, but
 * only when the stream and its metastream have no write in flight: then storage tells the same
 * story, and reloading is exact.
 */
export class StreamStates {
  readonly #states: GenerationalCache<string, StreamState>;

  constructor(
    private readonly storage: EventStorage,
    capacity = 10_000,
  ) {
    this.#states = new GenerationalCache(
      capacity,
      (streamId) => !this.#isIdle(streamId) || !this.#isIdle(metastreamOf(streamId)),
    );
  }

  /** The state of `streamId`, loading it from durable storage if it is not cached. */
  get(streamId: string): StreamState {
    let state = this.#states.get(streamId);
    if (state === undefined) {
      state = this.#load(streamId);
      this.#states.set(streamId, state);
    }
    return state;
  }

  #load(streamId: string): StreamState {
    const last = this.#lastRecord(streamId);
    const latestMetadata = this.#lastRecord(metastreamOf(streamId));
    const rawMetadata = latestMetadata?.isJson ? latestMetadata.data : undefined;
    return {
      tombstoned: last?.type === STREAM_DELETED_EVENT_TYPE,
      metadata: rawMetadata ? parseStreamMetadata(rawMetadata) : NO_METADATA,
      rawMetadata,
    };
  }

  #lastRecord(streamId: string) {
    for (const record of this.storage.readStream(streamId, Number.MAX_SAFE_INTEGER, 'backwards')) return record;
    return undefined;
  }

  #isIdle(streamId: string): boolean {
    return this.storage.lastRevision(streamId, 'accepted') === this.storage.lastRevision(streamId, 'durable');
  }
}
