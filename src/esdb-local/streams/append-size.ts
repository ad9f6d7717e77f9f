/**
 * EventStoreDB's default `MaxAppendSize`: the most one append may carry, counted as the sum of
 * each event's size on disk. Appends above it fail with `MaximumAppendSizeExceeded`.
 */
export const MAX_APPEND_SIZE = 1_048_576;

/** How EventStoreDB sizes an event for that limit (`Event.SizeOnDisk`): type characters count twice. */
export const eventSizeOnDisk = (type: string, dataLength: number, metadataLength: number): number =>
  dataLength + metadataLength + type.length * 2;
