import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * In embedded mode the event store and Redis listen on ports picked at start-up. The running
 * server records them under DATA_DIR, so tools (`npm run projections`) can reach the same
 * dependencies without being told where they are.
 */

export interface EmbeddedEndpoints {
  readonly redisUrl: string;
  readonly eventStoreConnectionString: string;
  /** The esgraph process. */
  readonly pid: number;
  /** The embedded redis-server's own pid (rewritten after each restart); absent with REDIS_URL. */
  readonly redisPid?: number;
}

const fileIn = (dataDir: string): string => join(dataDir, 'run', 'endpoints.json');

/** Records the endpoints, again after each change (a restarted redis-server has a new pid). */
export const recordEndpoints = (dataDir: string, endpoints: Omit<EmbeddedEndpoints, 'pid'>): void => {
  const file = fileIn(dataDir);
  mkdirSync(join(dataDir, 'run'), { recursive: true });
  // Written aside and renamed, so a reader never sees half a file.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify({ ...endpoints, pid: process.pid })}\n`);
  renameSync(partial, file);
};

/** Removes the record (on shutdown). */
export const forgetEndpoints = (dataDir: string): void => rmSync(fileIn(dataDir), { force: true });

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The endpoints of the esgraph running on `dataDir`, or undefined when none runs there. */
export const readEndpoints = (dataDir: string): EmbeddedEndpoints | undefined => {
  try {
    const recorded = JSON.parse(readFileSync(fileIn(dataDir), 'utf8')) as EmbeddedEndpoints;
    return isRunning(recorded.pid) ? recorded : undefined;
  } catch {
    return undefined;
  }
};
