import fs from 'node:fs';
import path from 'node:path';

/*
 * One engine per directory: two writers appending to the same segment would interleave frames
 * and destroy the log. The lock file holds the owner's pid; a lock left by a process that no
 * longer runs (kill -9) is taken over. Node has no flock, hence the pid check.
 */

const LOCK_FILE = 'LOCK';
const lockedHere = new Set<string>();

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const ownerOf = (lockPath: string): number | undefined => {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Takes the directory's lock, or throws if another live engine holds it. Returns the release.
 * A lock naming this very process is stale unless this process holds it now: a restarted
 * container often reuses the pid of the one that died.
 */
export const lockDirectory = (dir: string): (() => void) => {
  const lockPath = path.join(path.resolve(dir), LOCK_FILE);
  const owner = ownerOf(lockPath);
  const heldElsewhere = owner !== undefined && owner !== process.pid && isRunning(owner);
  if (lockedHere.has(lockPath) || heldElsewhere) {
    throw new Error(`esdb-local directory ${dir} is in use by process ${owner} (remove ${lockPath} if it is not)`);
  }
  fs.writeFileSync(lockPath, String(process.pid));
  lockedHere.add(lockPath);
  return () => {
    lockedHere.delete(lockPath);
    fs.rmSync(lockPath, { force: true });
  };
};
