import fs from 'node:fs';
import { ChunkIndex } from './chunk-index.js';
import { CorruptLogError, readFrames, recordOffsets } from './frame-reader.js';
import { type IndexCheckpoint, readIndexCheckpoint } from './index-checkpoint.js';
import { recordKeyAt } from './record-codec.js';
import { SegmentSet } from './segments.js';
import { StreamIndex } from './stream-index.js';

/** The log as recovery found it: open segments, rebuilt indexes, and where the durable log ends. */
export interface RecoveredLog {
  readonly segments: SegmentSet;
  readonly streams: StreamIndex;
  readonly chunks: ChunkIndex;
  readonly logEnd: number;
  readonly headPosition: number;
  readonly lastFrame: { readonly position: number; readonly crc: number } | undefined;
  /** Where the checkpoint that was loaded ends (0 when none was usable). */
  readonly checkpointEnd: number;
  /** What happened, for the server's log. */
  readonly notes: readonly string[];
}

interface IndexState {
  streams: StreamIndex;
  chunks: ChunkIndex;
  logEnd: number;
  headPosition: number;
  lastFrame: { position: number; crc: number } | undefined;
}

const emptyState = (chunkSpan: number): IndexState => ({
  streams: new StreamIndex(),
  chunks: new ChunkIndex(chunkSpan),
  logEnd: 0,
  headPosition: 0,
  lastFrame: undefined,
});

// Non-last segments were sealed complete (a new segment is only created after the previous one's
// frames were fsynced), so each must end exactly where the next begins.
const checkSegmentsContiguous = (segments: SegmentSet): void => {
  let expectedBase = 0;
  for (const segment of segments.all) {
    if (segment.base !== expectedBase) {
      throw new CorruptLogError(expectedBase, `segment file expected here, found one at ${segment.base}`);
    }
    expectedBase = segment.base + segment.size;
  }
};

// A checkpoint fits this log if the log still holds, intact, the very frame it says it ends with.
const fitsLog = (checkpoint: IndexCheckpoint, segments: SegmentSet, physicalEnd: number): boolean => {
  if (checkpoint.coveredEnd > physicalEnd) return false;
  if (checkpoint.lastFrame === undefined) return checkpoint.coveredEnd === 0;
  const frame = readFrames(segments, checkpoint.lastFrame.position, checkpoint.coveredEnd).next();
  return (
    !frame.done &&
    frame.value.crc === checkpoint.lastFrame.crc &&
    frame.value.position + frame.value.length === checkpoint.coveredEnd
  );
};

const loadCheckpoint = (checkpoint: IndexCheckpoint, chunkSpan: number): IndexState => {
  const state = emptyState(chunkSpan);
  for (const stream of checkpoint.streams) state.streams.load(stream.streamId, stream.positions);
  state.chunks.load(checkpoint.chunkStarts);
  state.logEnd = checkpoint.coveredEnd;
  state.headPosition = checkpoint.headPosition;
  state.lastFrame = checkpoint.lastFrame;
  return state;
};

// Loads the checkpoint when it fits the log, else starts from nothing (a full scan).
const startingState = (dir: string, segments: SegmentSet, chunkSpan: number, notes: string[]): IndexState => {
  const last = segments.last;
  const physicalEnd = last === undefined ? 0 : last.base + last.size;
  const checkpoint = readIndexCheckpoint(dir);
  if ('unusable' in checkpoint) {
    if (physicalEnd > 0) notes.push(`index checkpoint not used (${checkpoint.unusable}): scanning the whole log`);
    return emptyState(chunkSpan);
  }
  if (!fitsLog(checkpoint, segments, physicalEnd)) {
    notes.push('index checkpoint does not match the log: scanning the whole log');
    return emptyState(chunkSpan);
  }
  try {
    return loadCheckpoint(checkpoint, chunkSpan);
  } catch (error) {
    notes.push(`index checkpoint unreadable (${(error as Error).message}): scanning the whole log`);
    return emptyState(chunkSpan);
  }
};

/**
 * Opens the log in `dir` and rebuilds its indexes: from the index checkpoint plus the frames
 * after it, or from every frame when the checkpoint is missing or does not fit. A torn or damaged
 * frame in the last segment is the tail of a write that was never acknowledged: the segment is
 * truncated there (and fsynced, so stale bytes past it can never be read back as frames later).
 * Damage anywhere before the last segment is corruption of acknowledged data, and stops start-up.
 */
export const recoverLog = (dir: string, chunkSpan: number): RecoveredLog => {
  const segments = SegmentSet.openExisting(dir);
  const notes: string[] = [];
  try {
    checkSegmentsContiguous(segments);
    const state = startingState(dir, segments, chunkSpan, notes);
    const checkpointEnd = state.logEnd;
    const last = segments.last;
    const physicalEnd = last === undefined ? 0 : last.base + last.size;
    const frames = readFrames(segments, state.logEnd, physicalEnd);
    for (let next = frames.next(); ; next = frames.next()) {
      if (next.done) {
        if (next.value !== undefined) truncateTail(segments, next.value.position, next.value.reason, notes);
        break;
      }
      const frame = next.value;
      state.chunks.addFrame(frame.position);
      for (const offset of recordOffsets(frame)) {
        const { streamId, revision } = recordKeyAt(frame.bytes, offset);
        const position = frame.position + (offset - frame.offset);
        state.streams.addDurable(streamId, revision, position);
        state.headPosition = position + 1;
      }
      state.logEnd = frame.position + frame.length;
      state.lastFrame = { position: frame.position, crc: frame.crc };
    }
    if (state.logEnd > checkpointEnd) notes.push(`replayed ${state.logEnd - checkpointEnd} bytes of log`);
    return { segments, ...state, checkpointEnd, notes };
  } catch (error) {
    segments.closeAll();
    throw error;
  }
};

const truncateTail = (segments: SegmentSet, position: number, reason: string, notes: string[]): void => {
  const last = segments.last!;
  if (position < last.base) throw new CorruptLogError(position, reason);
  const dropped = last.size - (position - last.base);
  fs.ftruncateSync(last.fd, position - last.base);
  fs.fsyncSync(last.fd);
  last.size = position - last.base;
  notes.push(`dropped ${dropped} bytes of unacknowledged tail at position ${position} (${reason})`);
};
