/*
 * stream → revision → position, for every stream, kept in memory (8 bytes an event; payloads stay
 * on disk). A stream's revisions are gap-free from 0, so revision r's position sits at index r.
 * Positions are recorded when a batch is accepted (so expected-revision checks see it at once)
 * and become readable when it is durable: `durable` counts the readable prefix.
 */

interface StreamPositions {
  positions: Float64Array;
  accepted: number;
  durable: number;
}

/** A stream's durable positions, as the index checkpoint stores them. */
export interface StreamSnapshot {
  readonly streamId: string;
  readonly positions: Float64Array;
}

export class StreamIndex {
  private readonly streams = new Map<string, StreamPositions>();

  get streamCount(): number {
    return this.streams.size;
  }

  lastRevision(streamId: string, view: 'durable' | 'accepted'): number {
    const stream = this.streams.get(streamId);
    if (stream === undefined) return -1;
    return (view === 'durable' ? stream.durable : stream.accepted) - 1;
  }

  /** The position of a durable revision, or undefined when the stream has no such durable record. */
  positionOf(streamId: string, revision: number): number | undefined {
    const stream = this.streams.get(streamId);
    if (stream === undefined || revision < 0 || revision >= stream.durable) return undefined;
    return stream.positions[revision];
  }

  /**
   * Throws unless each event's revision continues its stream (the protocol layer assigns
   * revisions; a gap would break the revision → index mapping). Changes nothing.
   */
  checkContinues(batch: readonly { streamId: string; revision: number }[]): void {
    const nextInBatch = new Map<string, number>();
    for (const { streamId, revision } of batch) {
      const expected = nextInBatch.get(streamId) ?? this.lastRevision(streamId, 'accepted') + 1;
      if (revision !== expected) {
        throw new RangeError(`stream ${streamId} expects revision ${expected} next, got ${revision}`);
      }
      nextInBatch.set(streamId, expected + 1);
    }
  }

  /** Records an accepted (not yet durable) event. */
  accept(streamId: string, position: number): void {
    let stream = this.streams.get(streamId);
    if (stream === undefined) {
      stream = { positions: new Float64Array(4), accepted: 0, durable: 0 };
      this.streams.set(streamId, stream);
    }
    if (stream.accepted === stream.positions.length) {
      const grown = new Float64Array(Math.max(4, stream.positions.length * 2));
      grown.set(stream.positions);
      stream.positions = grown;
    }
    stream.positions[stream.accepted++] = position;
  }

  /** Makes the stream's oldest accepted-but-not-durable event readable. Batches become durable in order. */
  markDurable(streamId: string): void {
    const stream = this.streams.get(streamId)!;
    stream.durable++;
  }

  /** Accepts and makes durable at once: replaying the log at start-up. */
  addDurable(streamId: string, revision: number, position: number): void {
    if (revision !== this.lastRevision(streamId, 'accepted') + 1) {
      throw new Error(`log holds revision ${revision} of ${streamId} out of order`);
    }
    this.accept(streamId, position);
    this.markDurable(streamId);
  }

  /** Adds a stream loaded from a checkpoint; `positions` may be a view into a larger buffer. */
  load(streamId: string, positions: Float64Array): void {
    this.streams.set(streamId, { positions, accepted: positions.length, durable: positions.length });
  }

  /** Every stream's durable positions (views, valid until the next append). */
  *snapshot(): Generator<StreamSnapshot> {
    for (const [streamId, stream] of this.streams) {
      if (stream.durable > 0) yield { streamId, positions: stream.positions.subarray(0, stream.durable) };
    }
  }
}
