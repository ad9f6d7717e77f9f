import fs from 'node:fs';
import path from 'node:path';
import { lockDirectory } from '../../dir-lock.js';
import type { EventStorage } from '../storage.js';
import { DiskStorage } from './disk-storage.js';
import { recoverLog } from './recovery.js';
import { fsyncDirectory } from './segments.js';

export { CorruptLogError } from './frame-reader.js';

/** Where the disk engine keeps its files, and how it behaves. */
export interface DiskStorageOptions {
  /** The directory of the log (created if missing). One engine at a time may use it. */
  readonly dir: string;
  /** A segment file is closed and the next one begun past this size. Default 256 MiB. */
  readonly segmentBytes?: number;
  /** The index checkpoint is rewritten after this much new log. Default 64 MiB. */
  readonly checkpointEveryBytes?: number;
  /** Memory for the newest records, served without disk reads. Default 64 MiB. */
  readonly cacheBytes?: number;
  /** Spacing of the sparse $all index that reads from a position start at. Default 64 KiB. */
  readonly chunkBytes?: number;
  /** Receives what recovery did (truncated tail, full scan) and non-fatal problems. Default: ignored. */
  readonly onNotice?: (message: string) => void;
}

const MiB = 1024 * 1024;

/**
 * Opens (or creates) the durable engine in `options.dir`: recovers the log (truncating an
 * unacknowledged torn tail), rebuilds the indexes from the index checkpoint plus the log after
 * it, and returns an EventStorage whose appends resolve only once fsynced.
 */
export const openDiskStorage = async (options: DiskStorageOptions): Promise<EventStorage> => {
  const dir = path.resolve(options.dir);
  await createDirectory(dir);
  const notice = options.onNotice ?? (() => {});
  const releaseLock = lockDirectory(dir, { onNotice: notice });
  try {
    const chunkBytes = options.chunkBytes ?? 64 * 1024;
    const recovered = recoverLog(dir, chunkBytes);
    for (const note of recovered.notes) notice(note);
    return new DiskStorage(
      recovered,
      dir,
      {
        segmentBytes: options.segmentBytes ?? 256 * MiB,
        checkpointEveryBytes: options.checkpointEveryBytes ?? 64 * MiB,
        cacheBytes: options.cacheBytes ?? 64 * MiB,
        notice,
      },
      releaseLock,
    );
  } catch (error) {
    releaseLock();
    throw error;
  }
};

// A new directory's own entry must reach its parent on disk, or a crash could lose the whole log.
const createDirectory = async (dir: string): Promise<void> => {
  if (fs.existsSync(dir)) return;
  // The log is its owner's alone (as are its files, see segments.ts).
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  await fsyncDirectory(path.dirname(dir));
};
