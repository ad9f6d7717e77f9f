import type { EventRecord, EventStorage } from '../storage/storage.js';
import { METASTREAM_METADATA, NO_METADATA, parseStreamMetadata, type StreamMetadata } from './stream-metadata.js';
import { isMetastream, metastreamOf, originalStreamOf, STREAM_DELETED_EVENT_TYPE } from './system-names.js';
import { TICKS_PER_MILLISECOND } from './ticks.js';

/** A stream as readers see it: durable records only, so nothing a crash could undo is ever shown. */
export interface StreamView {
  readonly streamId: string;
  /** -1 when the stream has no durable event. */
  readonly lastRevision: number;
  readonly tombstoned: boolean;
  readonly metadata: StreamMetadata;
}

export const lastDurableRecord = (storage: EventStorage, streamId: string): EventRecord | undefined => {
  for (const record of storage.readStream(streamId, Number.MAX_SAFE_INTEGER, 'backwards')) return record;
  return undefined;
};

/** The durable record at `revision`, if there is one. */
export const durableRecordAt = (storage: EventStorage, streamId: string, revision: number): EventRecord | undefined => {
  for (const record of storage.readStream(streamId, revision, 'forwards')) {
    return record.revision === revision ? record : undefined;
  }
  return undefined;
};

/**
 * Looks a stream up for reading. A metastream is deleted along with its stream and has fixed
 * metadata of its own ($maxCount 1); any other stream's metadata is the latest JSON event in
 * its metastream.
 */
export const viewStream = (storage: EventStorage, streamId: string): StreamView => {
  const metastream = isMetastream(streamId);
  const tombstoneHolder = metastream ? originalStreamOf(streamId) : streamId;
  const tombstoned = lastDurableRecord(storage, tombstoneHolder)?.type === STREAM_DELETED_EVENT_TYPE;
  let metadata = METASTREAM_METADATA;
  if (!metastream) {
    const latest = lastDurableRecord(storage, metastreamOf(streamId));
    metadata = latest?.isJson ? parseStreamMetadata(latest.data) : NO_METADATA;
  }
  return { streamId, lastRevision: storage.lastRevision(streamId, 'durable'), tombstoned, metadata };
};

/** The creation time (in ticks) before which `$maxAge` hides events, or undefined without `$maxAge`. */
export const maxAgeThreshold = (metadata: StreamMetadata, nowTicks: bigint): bigint | undefined =>
  metadata.maxAgeSeconds === undefined
    ? undefined
    : nowTicks - BigInt(metadata.maxAgeSeconds) * 1000n * TICKS_PER_MILLISECOND;
