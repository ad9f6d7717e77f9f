import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/*
 * The log is one address space cut into segment files. A segment is named by the log position of
 * its first byte, and segments are contiguous: each starts where the previous one ends. So a
 * record's position is its segment's base plus its offset in the file, and a position maps back
 * to a file with a binary search. Frames never span two segments.
 */

const SEGMENT_SUFFIX = '.segment';
const SEGMENT_NAME = /^(\d{16})\.segment$/;

const fsyncAsync = promisify(fs.fsync);

/** One open segment file. `size` counts the bytes that hold frames (the file may be longer after a crash). */
export interface Segment {
  readonly base: number;
  readonly path: string;
  readonly fd: number;
  size: number;
}

/** The segment file name for a base position: zero-padded so names sort in log order. */
export const segmentFileName = (base: number): string => `${String(base).padStart(16, '0')}${SEGMENT_SUFFIX}`;

/** Forces a directory's entries (new, renamed or removed files) to disk. */
export const fsyncDirectory = async (dir: string): Promise<void> => {
  const fd = fs.openSync(dir, 'r');
  try {
    await fsyncAsync(fd);
  } finally {
    fs.closeSync(fd);
  }
};

/** The log's segments in position order, with reads by position. */
export class SegmentSet {
  private readonly segments: Segment[] = [];

  constructor(readonly dir: string) {}

  /** Opens every segment file in the directory, in position order, with their file sizes. */
  static openExisting(dir: string): SegmentSet {
    const set = new SegmentSet(dir);
    const bases = fs
      .readdirSync(dir)
      .map((name) => SEGMENT_NAME.exec(name)?.[1])
      .filter((base): base is string => base !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const base of bases) {
      const file = path.join(dir, segmentFileName(base));
      const fd = fs.openSync(file, 'r+');
      set.segments.push({ base, path: file, fd, size: fs.fstatSync(fd).size });
    }
    return set;
  }

  get all(): readonly Segment[] {
    return this.segments;
  }

  get last(): Segment | undefined {
    return this.segments[this.segments.length - 1];
  }

  /** Creates the next segment at `base`, durably: the file and its directory entry are fsynced. */
  async create(base: number): Promise<Segment> {
    const file = path.join(this.dir, segmentFileName(base));
    const fd = fs.openSync(file, 'wx+', 0o600);
    const segment: Segment = { base, path: file, fd, size: 0 };
    this.segments.push(segment);
    await fsyncAsync(fd);
    await fsyncDirectory(this.dir);
    return segment;
  }

  /** The segment holding `position`, or the one a write at `position` goes to. */
  find(position: number): Segment | undefined {
    let low = 0;
    let high = this.segments.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const segment = this.segments[middle]!;
      if (position < segment.base) high = middle - 1;
      else if (middle < this.segments.length - 1 && position >= this.segments[middle + 1]!.base) low = middle + 1;
      else return segment;
    }
    return undefined;
  }

  /**
   * Reads up to `length` bytes at `position` into a fresh buffer, stopping at the end of the
   * segment's frames. Fresh because decoded records keep views into the buffer they came from.
   */
  read(position: number, length: number): Buffer {
    const segment = this.find(position);
    if (segment === undefined) return Buffer.alloc(0);
    const offset = position - segment.base;
    const wanted = Math.max(0, Math.min(length, segment.size - offset));
    const bytes = Buffer.allocUnsafe(wanted);
    let filled = 0;
    while (filled < wanted) {
      const read = fs.readSync(segment.fd, bytes, filled, wanted - filled, offset + filled);
      if (read === 0) break;
      filled += read;
    }
    return filled === wanted ? bytes : bytes.subarray(0, filled);
  }

  closeAll(): void {
    for (const segment of this.segments.splice(0)) fs.closeSync(segment.fd);
  }
}
