import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { currentProcess, isStillRunning, type ProcessIdentity } from './esdb-local/index.js';

/*
 * In embedded mode the event store and Redis listen on ports picked at start-up. The running
 * server records them under DATA_DIR, so tools (`npm run projections`) can reach the same
 * dependencies without being told where they are.
 */

/** The esgraph process (its identity), and where its embedded dependencies listen. */
export interface EmbeddedEndpoints extends ProcessIdentity {
  readonly redisUrl: string;
  readonly eventStoreConnectionString: string;
  /** The embedded redis-server's own pid (rewritten after each restart); absent with REDIS_URL. */
  readonly redisPid?: number;
}

const fileIn = (dataDir: string): string => join(dataDir, 'run', 'endpoints.json');

/** Records the endpoints, again after each change (a restarted redis-server has a new pid). */
export const recordEndpoints = (dataDir: string, endpoints: Omit<EmbeddedEndpoints, keyof ProcessIdentity>): void => {
  const file = fileIn(dataDir);
  // It holds the embedded Redis's password: owner-only, like everything under DATA_DIR.
  mkdirSync(join(dataDir, 'run'), { recursive: true, mode: 0o700 });
  // Written aside and renamed, so a reader never sees half a file.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify({ ...endpoints, ...currentProcess() })}\n`, { mode: 0o600 });
  renameSync(partial, file);
};

/** Removes the record (on shutdown). */
export const forgetEndpoints = (dataDir: string): void => rmSync(fileIn(dataDir), { force: true });

/** The endpoints of the esgraph running on `dataDir`, or undefined when none runs there. */
export const readEndpoints = (dataDir: string): EmbeddedEndpoints | undefined => {
  try {
    const file = fileIn(dataDir);
    const recorded = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedEndpoints;
    // A record left by a kill -9 names a pid that may belong to another process by now.
    return isStillRunning(recorded, statSync(file).mtimeMs) ? recorded : undefined;
  } catch {
    return undefined;
  }
};
