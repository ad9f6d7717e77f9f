import { SOFT_DELETED_TRUNCATE_BEFORE } from './system-names.js';

/** The parts of a stream's metadata the server itself acts on. */
export interface StreamMetadata {
  /** Only the last `maxCount` events are readable. */
  readonly maxCount?: number;
  /** Events older than this many seconds are not readable. */
  readonly maxAgeSeconds?: number;
  /** Events below this revision are not readable; Infinity once soft deleted. */
  readonly truncateBefore?: number;
}

export const NO_METADATA: StreamMetadata = {};

/**
 * A metastream's own metadata: EventStoreDB keeps only the latest metadata event readable
 * (`MetaStreamMaxCount = 1`).
 */
export const METASTREAM_METADATA: StreamMetadata = { maxCount: 1 };

/**
 * JSON.parse turns `long.MaxValue` (the soft-delete marker) into 2^63, and nothing a client
 * could mean as a real revision gets that far.
 */
const DELETED_THRESHOLD = 2 ** 63;

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

const isRoles = (value: unknown): boolean =>
  typeof value === 'string' || (Array.isArray(value) && value.every((role) => typeof role === 'string'));

const isAcl = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isRoles);

/**
 * Reads metadata the way EventStoreDB does: malformed JSON, or a known key of the wrong type,
 * makes the whole metadata count as empty; non-positive limits are ignored.
 */
export const parseStreamMetadata = (data: Uint8Array): StreamMetadata => {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    return NO_METADATA;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return NO_METADATA;
  const { $maxCount, $maxAge, $tb, $cacheControl, $tmp, $acl } = json as Record<string, unknown>;
  for (const integer of [$maxCount, $maxAge, $tb, $cacheControl]) {
    if (integer !== undefined && !isInteger(integer)) return NO_METADATA;
  }
  if ($tmp !== undefined && typeof $tmp !== 'boolean') return NO_METADATA;
  if ($acl !== undefined && !isAcl($acl)) return NO_METADATA;
  const metadata: { maxCount?: number; maxAgeSeconds?: number; truncateBefore?: number } = {};
  if (isInteger($maxCount) && $maxCount > 0) metadata.maxCount = $maxCount;
  if (isInteger($maxAge) && $maxAge > 0) metadata.maxAgeSeconds = $maxAge;
  if (isInteger($tb) && $tb >= 0) metadata.truncateBefore = $tb >= DELETED_THRESHOLD ? Number.POSITIVE_INFINITY : $tb;
  return metadata;
};

/** A soft-deleted stream reads as not found until it is written again. */
export const isSoftDeleted = (metadata: StreamMetadata): boolean =>
  metadata.truncateBefore === Number.POSITIVE_INFINITY;

/** What a soft delete writes to `$$<stream>`: only `$tb`, as EventStoreDB does. */
export const softDeleteMetadata = (): Uint8Array => Buffer.from(`{"$tb":${SOFT_DELETED_TRUNCATE_BEFORE}}`, 'utf8');

/**
 * The metadata written when a soft-deleted stream is written to again: the latest metadata with
 * `$tb` moved to the first new revision, so the old events stay hidden. Undefined when the
 * latest metadata is not a JSON object (EventStoreDB then leaves it alone too).
 */
export const undeletedMetadata = (latest: Uint8Array, recreatedFrom: number): Uint8Array | undefined => {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(latest.buffer, latest.byteOffset, latest.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  return Buffer.from(JSON.stringify({ ...json, $tb: recreatedFrom }), 'utf8');
};

/** The lowest revision a read may return, given the stream's last revision and its metadata. */
export const lowestReadableRevision = (metadata: StreamMetadata, lastRevision: number): number => {
  let lowest = 0;
  if (metadata.maxCount !== undefined) lowest = Math.max(lowest, lastRevision - metadata.maxCount + 1);
  if (metadata.truncateBefore !== undefined) lowest = Math.max(lowest, metadata.truncateBefore);
  return lowest;
};
