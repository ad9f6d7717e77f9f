import type { EventRecord } from '../storage.js';
import type { ChunkIndex } from './chunk-index.js';
import { CorruptLogError, readDurableFrames, recordOffsets } from './frame-reader.js';
import { decodeRecord, isRecordIntact, recordLengthAt } from './record-codec.js';
import type { SegmentSet } from './segments.js';

/** Bytes read around a record fetched by position: neighbours in the same batch come along. */
const RECORD_WINDOW_BYTES = 32 * 1024;

/**
 * Reads durable records from the segment files. Callers bound every read by the durable log
 * end, so nothing here ever sees bytes an fsync has not covered.
 */
export class LogReader {
  constructor(
    private readonly segments: SegmentSet,
    private readonly chunks: ChunkIndex,
  ) {}

  /** Records with from <= position < until, in log order; `logEnd` is the durable end. */
  *forwards(from: number, until: number, logEnd: number): Generator<EventRecord> {
    const chunk = this.chunks.chunkAt(from);
    const start = chunk < 0 ? 0 : this.chunks.startOf(chunk);
    for (const frame of readDurableFrames(this.segments, start, logEnd)) {
      if (frame.position + frame.length <= from) continue;
      for (const offset of recordOffsets(frame)) {
        const position = frame.position + (offset - frame.offset);
        if (position >= until) return;
        if (position >= from) yield decodeRecord(frame.bytes, offset, position);
      }
    }
  }

  /** Records with position < before, newest first, one chunk at a time. */
  *backwards(before: number, logEnd: number): Generator<EventRecord> {
    for (let chunk = this.chunks.chunkAt(before - 1); chunk >= 0; chunk--) {
      const chunkRecords: EventRecord[] = [];
      const end = this.chunks.endOf(chunk, logEnd);
      for (const frame of readDurableFrames(this.segments, this.chunks.startOf(chunk), end)) {
        for (const offset of recordOffsets(frame)) {
          const position = frame.position + (offset - frame.offset);
          if (position < before) chunkRecords.push(decodeRecord(frame.bytes, offset, position));
        }
      }
      for (let index = chunkRecords.length - 1; index >= 0; index--) yield chunkRecords[index]!;
    }
  }

  /**
   * A function that reads one record by position, keeping the last read's bytes so records
   * stored next to each other (a stream written in one batch) cost one read between them.
   */
  recordFetcher(): (position: number) => EventRecord {
    let window: Buffer = Buffer.alloc(0);
    let windowPosition = 0;
    return (position) => {
      let offset = position - windowPosition;
      if (offset < 0 || offset + 4 > window.length || offset + recordLengthAt(window, offset) > window.length) {
        window = this.segments.read(position, RECORD_WINDOW_BYTES);
        windowPosition = position;
        offset = 0;
        if (window.length >= 4 && recordLengthAt(window, 0) > window.length) {
          window = this.segments.read(position, recordLengthAt(window, 0));
        }
      }
      if (!isRecordIntact(window, offset, window.length - offset)) {
        throw new CorruptLogError(position, 'record damaged');
      }
      return decodeRecord(window, offset, position);
    };
  }
}
