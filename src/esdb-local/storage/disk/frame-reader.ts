import { crc32 } from 'node:zlib';
import { FRAME_HEADER_BYTES, FRAME_MAGIC, isRecordWellFormed, recordLengthAt } from './record-codec.js';
import type { SegmentSet } from './segments.js';

/** A valid frame inside a read buffer. */
export interface FrameView {
  readonly bytes: Buffer;
  /** Where the frame starts in `bytes`. */
  readonly offset: number;
  readonly length: number;
  /** Where the frame starts in the log. */
  readonly position: number;
  readonly crc: number;
  readonly recordCount: number;
}

/** Where sequential reading stopped short of its end, and why. */
export interface FrameStop {
  readonly position: number;
  readonly reason: string;
}

/** Thrown when bytes that were acknowledged as durable no longer read back intact. */
export class CorruptLogError extends Error {
  constructor(position: number, reason: string) {
    super(`esdb-local log is corrupt at position ${position}: ${reason}`);
    this.name = 'CorruptLogError';
  }
}

const FIRST_READ_BYTES = 64 * 1024;
const LARGEST_READ_BYTES = 4 * 1024 * 1024;

/**
 * Why the frame at `offset` is not valid, or undefined when it is: right position, matching
 * checksum, records that fill it exactly. (Record checksums are for records read alone.)
 */
const frameDefect = (bytes: Buffer, offset: number, length: number, position: number): string | undefined => {
  if (bytes.readDoubleLE(offset + 16) !== position) return 'frame belongs at another position';
  if (crc32(bytes.subarray(offset + 12, offset + length)) !== bytes.readUInt32LE(offset + 8))
    return 'checksum mismatch';
  let cursor = offset + FRAME_HEADER_BYTES;
  const end = offset + length;
  for (let index = bytes.readUInt32LE(offset + 12); index > 0; index--) {
    if (!isRecordWellFormed(bytes, cursor, end - cursor)) return 'record damaged';
    cursor += recordLengthAt(bytes, cursor);
  }
  return cursor === end ? undefined : 'records do not fill the frame';
};

/**
 * Reads the frames in [from, to) in order, in sequential reads that start small (a short read
 * stays cheap) and double up to 4 MB. `from` must be a frame start. Yields each valid frame; at
 * the first bytes that are not a valid frame (zeros past the end, a torn write, damage) it
 * returns where and why it stopped. Each read gets a fresh buffer, so yielded frames stay valid.
 */
export function* readFrames(
  segments: SegmentSet,
  from: number,
  to: number,
): Generator<FrameView, FrameStop | undefined> {
  let bytes: Buffer = Buffer.alloc(0);
  let bytesPosition = from;
  let readSize = FIRST_READ_BYTES;
  const refill = (position: number, wanted: number): void => {
    bytes = segments.read(position, Math.min(Math.max(readSize, wanted), to - position));
    bytesPosition = position;
    readSize = Math.min(readSize * 2, LARGEST_READ_BYTES);
  };
  let position = from;
  while (position < to) {
    if (bytes.length - (position - bytesPosition) < FRAME_HEADER_BYTES) refill(position, FRAME_HEADER_BYTES);
    let offset = position - bytesPosition;
    if (bytes.length - offset < FRAME_HEADER_BYTES) return { position, reason: 'log ends inside a frame header' };
    const magic = bytes.readUInt32LE(offset);
    const length = bytes.readUInt32LE(offset + 4);
    if (magic === 0 && length === 0) return { position, reason: 'zeros past the end of the log' };
    if (magic !== FRAME_MAGIC) return { position, reason: 'no frame starts here' };
    // Checked before reading the frame, so a torn length field never asks for a huge read.
    if (length < FRAME_HEADER_BYTES || length > to - position) return { position, reason: 'log ends inside a frame' };
    if (bytes.length - offset < length) {
      refill(position, length);
      offset = 0;
      if (bytes.length < length) return { position, reason: 'log ends inside a frame' };
    }
    const defect = frameDefect(bytes, offset, length, position);
    if (defect !== undefined) return { position, reason: defect };
    yield {
      bytes,
      offset,
      length,
      position,
      crc: bytes.readUInt32LE(offset + 8),
      recordCount: bytes.readUInt32LE(offset + 12),
    };
    position += length;
  }
  return undefined;
}

/** Like `readFrames`, for bytes known to be durable: anything that is not a valid frame is corruption. */
export function* readDurableFrames(segments: SegmentSet, from: number, to: number): Generator<FrameView, void> {
  const frames = readFrames(segments, from, to);
  for (;;) {
    const next = frames.next();
    if (next.done) {
      if (next.value !== undefined) throw new CorruptLogError(next.value.position, next.value.reason);
      return;
    }
    yield next.value;
  }
}

/** The byte offsets (within `frame.bytes`) of the frame's records, in order. */
export function* recordOffsets(frame: FrameView): Generator<number> {
  let offset = frame.offset + FRAME_HEADER_BYTES;
  for (let index = 0; index < frame.recordCount; index++) {
    yield offset;
    offset += recordLengthAt(frame.bytes, offset);
  }
}
