import fs from 'node:fs';
import path from 'node:path';
import {
  currentProcess,
  formatIdentity,
  isStillRunning,
  type ProcessIdentity,
  parseIdentity,
} from './process-identity.js';

/*
 * One owner per directory: two engines appending to the same segment would interleave frames
 * and destroy the log (and two redis-servers would do the same to an append-only file). The
 * lock file names its owner by pid, start time and boot (process-identity.ts); Node has no
 * flock. A lock whose owner no longer runs (kill -9) is taken over, and so is one whose pid
 * now belongs to another process, which is what a pid alone cannot tell after pid reuse.
 */

const LOCK_FILE = 'LOCK';
const lockedHere = new Set<string>();

/** The directory is locked by a live owner. The message names it and the lock file. */
export class DirectoryInUseError extends Error {
  override readonly name = 'DirectoryInUseError';
}

export interface LockOptions {
  /** Who locks, for messages: `esdb-local` by default. */
  readonly owner?: string;
  /** Told when a stale lock is taken over. */
  readonly onNotice?: (message: string) => void;
}

const readOwner = (lockPath: string): { identity: ProcessIdentity; writtenAtMs: number } | undefined => {
  try {
    const identity = parseIdentity(fs.readFileSync(lockPath, 'utf8'));
    return identity && { identity, writtenAtMs: fs.statSync(lockPath).mtimeMs };
  } catch {
    return undefined;
  }
};

/**
 * Takes the directory's lock, or throws {@link DirectoryInUseError} if a live owner holds it.
 * Returns the release. A lock naming this very process is stale unless this process holds it
 * now: a restarted container often reuses the pid of the one that died.
 */
export const lockDirectory = (dir: string, options: LockOptions = {}): (() => void) => {
  const lockPath = path.join(path.resolve(dir), LOCK_FILE);
  const found = readOwner(lockPath);
  const pid = found?.identity.pid;
  const isSelf = pid === process.pid;
  if (
    lockedHere.has(lockPath) ||
    (found !== undefined && !isSelf && isStillRunning(found.identity, found.writtenAtMs))
  ) {
    throw new DirectoryInUseError(
      `${options.owner ?? 'esdb-local'} directory ${dir} is in use by process ${pid} (remove ${lockPath} if it is not)`,
    );
  }
  if (found !== undefined) {
    options.onNotice?.(`took over the stale lock ${lockPath} of process ${pid}, which no longer runs`);
  }
  fs.writeFileSync(lockPath, formatIdentity(currentProcess()), { mode: 0o600 });
  lockedHere.add(lockPath);
  return () => {
    lockedHere.delete(lockPath);
    fs.rmSync(lockPath, { force: true });
  };
};
