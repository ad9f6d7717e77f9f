import fs from 'node:fs';
import { promisify } from 'node:util';
import type { Segment, SegmentSet } from './segments.js';

const writevAsync = promisify(fs.writev);
const fdatasyncAsync = promisify(fs.fdatasync);

/** A frame waiting to be written: its bytes, where they go, and the segment that holds them. */
export interface PendingFrame {
  readonly position: number;
  readonly bytes: Buffer;
  readonly segmentBase: number;
}

/** Where a frame of a given length goes: chosen at once, so positions follow call order. */
export interface Reservation {
  readonly position: number;
  readonly segmentBase: number;
}

/**
 * Appends frames to the log with group commit. Positions are reserved synchronously; the bytes
 * go to disk in one writev and one fdatasync per group: while a flush is in flight, new frames
 * queue, and the next flush takes all of them at once. So many concurrent appends cost one
 * fsync, and an append is only reported durable after the fsync that covers it.
 */
export class LogWriter<Frame extends PendingFrame> {
  private pending: Frame[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  private activeBase: number;
  private acceptedEnd: number;

  /**
   * @param logEnd where the durable log ends; new frames go after it.
   * @param onDurable called with each group once its bytes are fsynced, in log order.
   * @param onFailed called once with the group that could not be written and the error; the
   *   writer then refuses everything, since the log's tail on disk is no longer known.
   */
  constructor(
    private readonly segments: SegmentSet,
    logEnd: number,
    private readonly segmentBytes: number,
    private readonly onDurable: (group: readonly Frame[]) => void,
    private readonly onFailed: (group: readonly Frame[], error: Error) => void,
  ) {
    this.activeBase = segments.last?.base ?? 0;
    this.acceptedEnd = logEnd;
  }

  /** Reserves the next `length` bytes of the log, rolling to a new segment when this one is full. */
  reserve(length: number): Reservation {
    if (this.failure !== undefined) throw this.failure;
    const used = this.acceptedEnd - this.activeBase;
    if (used > 0 && used + length > this.segmentBytes) this.activeBase = this.acceptedEnd;
    const reservation = { position: this.acceptedEnd, segmentBase: this.activeBase };
    this.acceptedEnd += length;
    return reservation;
  }

  /** Queues a reserved frame; enqueue in reservation order. */
  enqueue(frame: Frame): void {
    if (this.failure !== undefined) throw this.failure;
    this.pending.push(frame);
    // setImmediate rather than now: appends that arrive in the same turn of the event loop
    // (many gRPC calls read in one poll) join the first group instead of waiting for the next.
    this.flushing ??= new Promise((resolve) => setImmediate(resolve)).then(() => this.flushAll());
  }

  /** Resolves once every queued frame has been written (or has failed). */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async flushAll(): Promise<void> {
    while (this.pending.length > 0 && this.failure === undefined) {
      const group = this.pending;
      this.pending = [];
      try {
        await this.writeDurably(group);
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.onFailed([...group, ...this.pending.splice(0)], this.failure);
        break;
      }
      this.onDurable(group);
    }
    this.flushing = undefined;
  }

  // Writes the group segment by segment (a group spans two when the log rolls over).
  private async writeDurably(group: readonly Frame[]): Promise<void> {
    let start = 0;
    while (start < group.length) {
      const base = group[start]!.segmentBase;
      let end = start + 1;
      while (end < group.length && group[end]!.segmentBase === base) end++;
      const segment = await this.segmentAt(base);
      const run = group.slice(start, end);
      const runStart = run[0]!.position;
      const runEnd = run[run.length - 1]!.position + run[run.length - 1]!.bytes.length;
      const { bytesWritten } = await writevAsync(
        segment.fd,
        run.map((frame) => frame.bytes),
        runStart - base,
      );
      if (bytesWritten !== runEnd - runStart) throw new Error(`short write: ${bytesWritten} of ${runEnd - runStart}`);
      await fdatasyncAsync(segment.fd);
      segment.size = runEnd - base;
      start = end;
    }
  }

  private async segmentAt(base: number): Promise<Segment> {
    const last = this.segments.last;
    if (last !== undefined && last.base === base) return last;
    // The previous segment's frames were all fsynced before this point, so it is complete.
    return this.segments.create(base);
  }
}
