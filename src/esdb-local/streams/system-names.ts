/**
 * Names EventStoreDB gives special meaning to. A stream or event type starting with `$` is a
 * system one; `$$<stream>` holds `<stream>`'s metadata.
 */

/** The event type of a stream's metadata, written to `$$<stream>`. */
export const METADATA_EVENT_TYPE = '$metadata';
/** The event type of a hard delete's tombstone. */
export const STREAM_DELETED_EVENT_TYPE = '$streamDeleted';
/** The event type of a link: data `"<revision>@<stream>"` points at another event. */
export const LINK_EVENT_TYPE = '$>';
/** Holds one record per election epoch; reads of $all never show it (as in EventStoreDB). */
export const EPOCH_INFORMATION_STREAM = '$epoch-information';
export const SCAVENGES_STREAM = '$scavenges';

/**
 * The revision EventStoreDB reports for a tombstone (`long.MaxValue`). esdb-local stores a
 * tombstone at the stream's next revision and reports this number instead.
 */
export const TOMBSTONE_REVISION = 9_223_372_036_854_775_807n;

/** The `$tb` a soft delete writes (`long.MaxValue`): every revision is truncated. */
export const SOFT_DELETED_TRUNCATE_BEFORE = '9223372036854775807';

/** `$$<stream>`. */
export const metastreamOf = (streamId: string): string => `$$${streamId}`;

export const isMetastream = (streamId: string): boolean => streamId.startsWith('$$');

/** The stream a `$$<stream>` describes. */
export const originalStreamOf = (metastreamId: string): string => metastreamId.slice(2);

export const isSystemStream = (streamId: string): boolean => streamId.startsWith('$');
