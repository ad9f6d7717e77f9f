/*
 * A sparse index of $all: the position of one frame start every `span` bytes or so. Reading $all
 * from an arbitrary position starts at the chunk before it and skips forward; reading backwards
 * reads one chunk at a time and walks it in reverse (frames only parse forwards).
 */

/** Frame starts, at least `span` bytes apart, in log order. */
export class ChunkIndex {
  private starts = new Float64Array(256);
  private count = 0;

  constructor(private readonly span: number) {}

  get chunkCount(): number {
    return this.count;
  }

  /** Notes a durable frame, which starts a new chunk when the current one has grown past `span`. */
  addFrame(position: number): void {
    if (this.count > 0 && position - this.starts[this.count - 1]! < this.span) return;
    if (this.count === this.starts.length) {
      const grown = new Float64Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.count++] = position;
  }

  /** The index of the last chunk starting at or before `position`, or -1 when none does. */
  chunkAt(position: number): number {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.starts[middle]! <= position) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Where chunk `index` starts. */
  startOf(index: number): number {
    return this.starts[index]!;
  }

  /** Where chunk `index` ends: the next chunk's start, or `logEnd` for the last chunk. */
  endOf(index: number, logEnd: number): number {
    return index + 1 < this.count ? this.starts[index + 1]! : logEnd;
  }

  /** The chunk starts, as the index checkpoint stores them. */
  snapshot(): Float64Array {
    return this.starts.subarray(0, this.count);
  }

  /** Replaces the chunks with ones loaded from a checkpoint. */
  load(starts: Float64Array): void {
    this.starts = new Float64Array(Math.max(256, starts.length * 2));
    this.starts.set(starts);
    this.count = starts.length;
  }
}
