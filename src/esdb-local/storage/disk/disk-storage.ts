import type { EventRecord, EventStorage, NewEventRecord, ReadDirection } from '../storage.js';
import type { ChunkIndex } from './chunk-index.js';
import { encodeIndexCheckpoint, writeIndexCheckpoint } from './index-checkpoint.js';
import { LogReader } from './log-reader.js';
import { LogWriter, type PendingFrame } from './log-writer.js';
import { encodeFrame, frameLength } from './record-codec.js';
import type { RecoveredLog } from './recovery.js';
import type { SegmentSet } from './segments.js';
import type { StreamIndex } from './stream-index.js';
import { TailCache } from './tail-cache.js';

/** Tuning of the disk engine; every field has a default in `openDiskStorage`. */
export interface DiskTuning {
  readonly segmentBytes: number;
  readonly checkpointEveryBytes: number;
  readonly cacheBytes: number;
  readonly notice: (message: string) => void;
}

interface PendingBatch extends PendingFrame {
  readonly crc: number;
  readonly records: readonly EventRecord[];
  readonly resolve: (records: readonly EventRecord[]) => void;
  readonly reject: (error: Error) => void;
}

type DurableListener = (batch: readonly EventRecord[]) => void;

/**
 * The EventStorage over segment files. Indexes (streams, chunks, tail cache) change only when a
 * group of batches becomes durable, so every synchronous read sees durable records only.
 */
export class DiskStorage implements EventStorage {
  private readonly segments: SegmentSet;
  private readonly streams: StreamIndex;
  private readonly chunks: ChunkIndex;
  private readonly writer: LogWriter<PendingBatch>;
  private readonly reader: LogReader;
  private readonly tail: TailCache;
  private readonly listeners = new Set<DurableListener>();
  private logEnd: number;
  private head: number;
  private lastFrame: { position: number; crc: number } | undefined;
  private checkpointEnd: number;
  private checkpointing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    recovered: RecoveredLog,
    private readonly dir: string,
    private readonly tuning: DiskTuning,
    private readonly releaseLock: () => void,
  ) {
    ({ segments: this.segments, streams: this.streams, chunks: this.chunks } = recovered);
    this.logEnd = recovered.logEnd;
    this.head = recovered.headPosition;
    this.lastFrame = recovered.lastFrame;
    this.checkpointEnd = recovered.checkpointEnd;
    this.reader = new LogReader(this.segments, this.chunks);
    this.tail = new TailCache(tuning.cacheBytes, this.head);
    this.writer = new LogWriter<PendingBatch>(
      this.segments,
      this.logEnd,
      tuning.segmentBytes,
      (group) => this.becameDurable(group),
      (group, error) => this.failed(group, error),
    );
    // A long replay at start-up is worth saving at once, so the next start is fast again.
    this.checkpointIfDue();
  }

  get headPosition(): number {
    return this.head;
  }

  lastRevision(streamId: string, view: 'durable' | 'accepted'): number {
    return this.streams.lastRevision(streamId, view);
  }

  /**
   * Throws synchronously (accepting nothing) when a revision does not continue its stream: that
   * is a bug in the caller, not an I/O failure.
   */
  append(batch: readonly NewEventRecord[]): Promise<readonly EventRecord[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closing !== undefined) return Promise.reject(new Error('esdb-local storage is closed'));
    // Nothing to write, but the caller may rely on everything appended before being durable.
    if (batch.length === 0) return this.writer.drain().then(() => this.failIfFailed([]));
    this.streams.checkContinues(batch);
    const length = frameLength(batch);
    const { position, segmentBase } = this.writer.reserve(length);
    const { bytes, crc, records } = encodeFrame(batch, position, length);
    for (const record of records) this.streams.accept(record.streamId, record.position);
    return new Promise((resolve, reject) => {
      this.writer.enqueue({ position, segmentBase, bytes, crc, records, resolve, reject });
    });
  }

  readStream(streamId: string, fromRevision: number, direction: ReadDirection): Iterable<EventRecord> {
    return direction === 'forwards'
      ? this.streamForwards(streamId, fromRevision)
      : this.streamBackwards(streamId, fromRevision);
  }

  readAll(from: number, direction: ReadDirection): Iterable<EventRecord> {
    return direction === 'forwards' ? this.allForwards(from) : this.allBackwards(from);
  }

  onDurable(listener: DurableListener): () => void {
    // Wrapped, so the same function registered twice is two registrations, removed one by one.
    const registration: DurableListener = (batch) => listener(batch);
    this.listeners.add(registration);
    return () => this.listeners.delete(registration);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    try {
      await this.writer.drain();
      await this.checkpointing;
      if (this.failure === undefined && this.logEnd !== this.checkpointEnd) await this.writeCheckpoint();
    } finally {
      this.segments.closeAll();
      this.releaseLock();
    }
  }

  private *streamForwards(streamId: string, fromRevision: number): Generator<EventRecord> {
    const fetch = this.reader.recordFetcher();
    for (let revision = Math.max(0, fromRevision); ; revision++) {
      const position = this.streams.positionOf(streamId, revision);
      if (position === undefined) return;
      yield this.tail.at(position) ?? fetch(position);
    }
  }

  private *streamBackwards(streamId: string, fromRevision: number): Generator<EventRecord> {
    const fetch = this.reader.recordFetcher();
    const last = this.streams.lastRevision(streamId, 'durable');
    for (let revision = Math.min(fromRevision, last); revision >= 0; revision--) {
      const position = this.streams.positionOf(streamId, revision)!;
      yield this.tail.at(position) ?? fetch(position);
    }
  }

  // Follows the log as it grows: each step serves from the tail cache when it covers the cursor,
  // else reads from disk up to where the cache took over.
  private *allForwards(from: number): Generator<EventRecord> {
    let cursor = Math.max(0, from);
    while (cursor < this.head) {
      if (cursor >= this.tail.coversFrom) {
        const record = this.tail.atOrAfter(cursor);
        if (record === undefined) return;
        yield record;
        cursor = record.position + 1;
        continue;
      }
      const until = this.tail.coversFrom;
      for (const record of this.reader.forwards(cursor, until, this.logEnd)) yield record;
      cursor = until;
    }
  }

  private *allBackwards(before: number): Generator<EventRecord> {
    let cursor = Math.min(before, this.head);
    for (;;) {
      const record = this.tail.before(cursor);
      if (record === undefined) break;
      yield record;
      cursor = record.position;
    }
    // Every record before the cursor is older than the cache now.
    yield* this.reader.backwards(cursor, this.logEnd);
  }

  private becameDurable(group: readonly PendingBatch[]): void {
    for (const batch of group) {
      for (const record of batch.records) this.streams.markDurable(record.streamId);
      this.chunks.addFrame(batch.position);
      this.logEnd = batch.position + batch.bytes.length;
      this.head = batch.records[batch.records.length - 1]!.position + 1;
      this.lastFrame = { position: batch.position, crc: batch.crc };
      this.tail.push(batch.records);
      for (const listener of [...this.listeners]) this.notify(listener, batch.records);
      batch.resolve(batch.records);
    }
    this.checkpointIfDue();
  }

  private notify(listener: DurableListener, batch: readonly EventRecord[]): void {
    try {
      listener(batch);
    } catch (error) {
      // A listener's bug must not corrupt the engine's bookkeeping; surface it loudly instead.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  private failed(group: readonly PendingBatch[], error: Error): void {
    this.failure = new Error(`esdb-local storage failed writing the log: ${error.message}`, { cause: error });
    this.tuning.notice(this.failure.message);
    for (const batch of group) batch.reject(this.failure);
  }

  private failIfFailed<T>(value: T): T {
    if (this.failure !== undefined) throw this.failure;
    return value;
  }

  private checkpointIfDue(): void {
    if (this.checkpointing !== undefined || this.closing !== undefined) return;
    if (this.logEnd - this.checkpointEnd < this.tuning.checkpointEveryBytes) return;
    this.checkpointing = this.writeCheckpoint()
      .catch((error: Error) => this.tuning.notice(`index checkpoint not written: ${error.message}`))
      .finally(() => {
        this.checkpointing = undefined;
      });
  }

  // Snapshots the indexes synchronously (a consistent cut at a frame boundary), writes async.
  private async writeCheckpoint(): Promise<void> {
    const coveredEnd = this.logEnd;
    const bytes = encodeIndexCheckpoint({
      coveredEnd,
      headPosition: this.head,
      lastFrame: this.lastFrame,
      chunkStarts: this.chunks.snapshot(),
      streams: this.streams.snapshot(),
    });
    await writeIndexCheckpoint(this.dir, bytes);
    this.checkpointEnd = coveredEnd;
  }
}
