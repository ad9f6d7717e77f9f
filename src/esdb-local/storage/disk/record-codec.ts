import { crc32 } from 'node:zlib';
import type { EventRecord, NewEventRecord } from '../storage.js';

/*
 * The log's byte format. One append batch is one frame, so a batch is all-or-nothing after a
 * crash: the frame's checksum covers every record in it, and recovery drops a frame whose
 * checksum fails. Each record also carries its own checksum so a single record can be read and
 * verified without its frame (stream reads jump straight to a record's position).
 *
 * Frame:  magic u32 | frameLength u32 | crc u32 (of bytes 12..end) | recordCount u32 | position f64 | records…
 * Record: recordLength u32 | crc u32 (of bytes 8..end) | revision f64 | created i64 |
 *         streamIdLength u32 | typeLength u32 | dataLength u32 | metadataLength u32 |
 *         eventIdLength u16 | flags u8 | reserved u8 | streamId | type | eventId | data | metadata
 * All integers little-endian. A record's position in $all is the byte address where it starts.
 */

/** Marks a frame start; a run of zero bytes (never a valid magic) reads as "end of log". */
export const FRAME_MAGIC = 0x46424445; // "EDBF" read little-endian
export const FRAME_HEADER_BYTES = 24;
export const RECORD_HEADER_BYTES = 44;
const IS_JSON_FLAG = 1;
const MAX_FRAME_BYTES = 0x7fff_ffff;

/** A batch turned into one frame, with the records as they will read back. */
export interface EncodedFrame {
  readonly bytes: Buffer;
  readonly crc: number;
  readonly records: EventRecord[];
}

const recordLength = (event: NewEventRecord): number =>
  RECORD_HEADER_BYTES +
  Buffer.byteLength(event.streamId) +
  Buffer.byteLength(event.type) +
  Buffer.byteLength(event.eventId) +
  event.data.byteLength +
  event.metadata.byteLength;

/** The size of the frame `encodeFrame` would produce, so a position can be reserved first. */
export const frameLength = (batch: readonly NewEventRecord[]): number => {
  let length = FRAME_HEADER_BYTES;
  for (const event of batch) length += recordLength(event);
  if (length > MAX_FRAME_BYTES) throw new RangeError(`an append batch of ${length} bytes is too large`);
  return length;
};

/**
 * Encodes a batch as the frame that starts at `position` in the log. The returned records'
 * `data` and `metadata` are views into the frame bytes, so the caller's buffers are not retained.
 */
export const encodeFrame = (batch: readonly NewEventRecord[], position: number, length: number): EncodedFrame => {
  const bytes = Buffer.allocUnsafe(length);
  bytes.writeUInt32LE(FRAME_MAGIC, 0);
  bytes.writeUInt32LE(length, 4);
  bytes.writeUInt32LE(batch.length, 12);
  bytes.writeDoubleLE(position, 16);
  const records: EventRecord[] = [];
  let offset = FRAME_HEADER_BYTES;
  for (const event of batch) {
    const start = offset;
    offset = encodeRecord(bytes, start, event);
    records.push(decodeRecord(bytes, start, position + start));
  }
  const crc = crc32(bytes.subarray(12));
  bytes.writeUInt32LE(crc, 8);
  return { bytes, crc, records };
};

const encodeRecord = (bytes: Buffer, start: number, event: NewEventRecord): number => {
  let offset = start + RECORD_HEADER_BYTES;
  const streamIdLength = bytes.write(event.streamId, offset, 'utf8');
  offset += streamIdLength;
  const typeLength = bytes.write(event.type, offset, 'utf8');
  offset += typeLength;
  const eventIdLength = bytes.write(event.eventId, offset, 'utf8');
  offset += eventIdLength;
  bytes.set(event.data, offset);
  offset += event.data.byteLength;
  bytes.set(event.metadata, offset);
  offset += event.metadata.byteLength;
  bytes.writeUInt32LE(offset - start, start);
  bytes.writeDoubleLE(event.revision, start + 8);
  bytes.writeBigInt64LE(event.created, start + 16);
  bytes.writeUInt32LE(streamIdLength, start + 24);
  bytes.writeUInt32LE(typeLength, start + 28);
  bytes.writeUInt32LE(event.data.byteLength, start + 32);
  bytes.writeUInt32LE(event.metadata.byteLength, start + 36);
  bytes.writeUInt16LE(eventIdLength, start + 40);
  bytes.writeUInt8(event.isJson ? IS_JSON_FLAG : 0, start + 42);
  bytes.writeUInt8(0, start + 43);
  bytes.writeUInt32LE(crc32(bytes.subarray(start + 8, offset)), start + 4);
  return offset;
};

/**
 * Decodes the record that starts at `offset` in `bytes`. `data` and `metadata` are views into
 * `bytes`: callers hand out fresh buffers and never overwrite one that records point into.
 */
export const decodeRecord = (bytes: Buffer, offset: number, position: number): EventRecord => {
  const streamIdLength = bytes.readUInt32LE(offset + 24);
  const typeLength = bytes.readUInt32LE(offset + 28);
  const dataLength = bytes.readUInt32LE(offset + 32);
  const metadataLength = bytes.readUInt32LE(offset + 36);
  const eventIdLength = bytes.readUInt16LE(offset + 40);
  const typeAt = offset + RECORD_HEADER_BYTES + streamIdLength;
  const eventIdAt = typeAt + typeLength;
  const dataAt = eventIdAt + eventIdLength;
  const metadataAt = dataAt + dataLength;
  const streamId = bytes.toString('utf8', offset + RECORD_HEADER_BYTES, typeAt);
  const type = bytes.toString('utf8', typeAt, eventIdAt);
  const eventId = bytes.toString('utf8', eventIdAt, dataAt);
  const data = bytes.subarray(dataAt, metadataAt);
  const metadata = bytes.subarray(metadataAt, metadataAt + metadataLength);
  return {
    streamId,
    revision: bytes.readDoubleLE(offset + 8),
    eventId,
    type,
    isJson: (bytes.readUInt8(offset + 42) & IS_JSON_FLAG) !== 0,
    created: bytes.readBigInt64LE(offset + 16),
    data,
    metadata,
    position,
  };
};

/** The length of the record at `offset` (its first field). */
export const recordLengthAt = (bytes: Buffer, offset: number): number => bytes.readUInt32LE(offset);

/** The stream and revision of the record at `offset`, without decoding its payload (index rebuilds). */
export const recordKeyAt = (bytes: Buffer, offset: number): { streamId: string; revision: number } => {
  const start = offset + RECORD_HEADER_BYTES;
  return {
    streamId: bytes.toString('utf8', start, start + bytes.readUInt32LE(offset + 24)),
    revision: bytes.readDoubleLE(offset + 8),
  };
};

/**
 * Whether the record at `offset` is well formed: its length fits in `available` bytes and its
 * fields fill exactly its length. Enough inside a frame whose checksum already matched.
 */
export const isRecordWellFormed = (bytes: Buffer, offset: number, available: number): boolean => {
  if (available < RECORD_HEADER_BYTES) return false;
  const length = bytes.readUInt32LE(offset);
  return (
    length <= available &&
    length ===
      RECORD_HEADER_BYTES +
        bytes.readUInt32LE(offset + 24) +
        bytes.readUInt32LE(offset + 28) +
        bytes.readUInt32LE(offset + 32) +
        bytes.readUInt32LE(offset + 36) +
        bytes.readUInt16LE(offset + 40)
  );
};

/** Whether the record at `offset` is well formed and its own checksum matches: a record read alone. */
export const isRecordIntact = (bytes: Buffer, offset: number, available: number): boolean =>
  isRecordWellFormed(bytes, offset, available) &&
  crc32(bytes.subarray(offset + 8, offset + bytes.readUInt32LE(offset))) === bytes.readUInt32LE(offset + 4);
