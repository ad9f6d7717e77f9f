import { sleep } from '../../backoff.js';
import type { EventStoreClient } from '../../eventstore/client.js';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../redis/client.js';
import { activateVersion, readActiveVersion } from '../active-version.js';
import type { Projection } from '../projection.js';
import { deleteBuild } from './build-cleanup.js';
import { nextBuild } from './builds.js';
import type { RunnerStatus } from './projection-lane.js';
import { Projector } from './projector.js';

/*
 * What `npm run projections -- rebuild | reset` do. Both make a new build rather than reuse one,
 * so every process watching the projection sees a version switch, never a build whose numbers
 * went backwards under the same name.
 */

/**
 * Builds a fresh copy of the projection from the start of the log beside the active build, which
 * keeps serving (and being updated by the projectors) meanwhile; once the copy has caught up,
 * readers switch to it atomically and the old build is deleted. Runs here, in this process, and
 * resolves after the switch. The projectors then follow the new build.
 */
export const rebuildProjection = async (
  dependencies: { readonly eventStore: EventStoreClient; readonly redis: RedisClient; readonly log: Logger },
  projection: Projection,
  onProgress: (status: RunnerStatus) => void = () => undefined,
): Promise<{ readonly build: number; readonly replaced: number | undefined }> => {
  const { redis } = dependencies;
  const replaced = await readActiveVersion(redis, projection.name);
  const build = nextBuild(projection, replaced);
  // A build of that number left by an interrupted rebuild would be resumed half-stale: start clean.
  await deleteBuild(redis, { name: projection.name, version: build });
  const projector = new Projector(dependencies, [projection], { rebuildAs: new Map([[projection.name, build]]) });
  projector.start();
  try {
    for (;;) {
      if ((await readActiveVersion(redis, projection.name)) === build) return { build, replaced };
      const [status] = projector.statuses();
      if (status?.state === 'halted') throw new Error(`the rebuild halted: ${status.lastError}`);
      if (status) onProgress(status);
      await sleep(250);
    }
  } finally {
    await projector.stop();
  }
};

/**
 * Throws the projection's read model away: readers switch at once to a new, empty build, the old
 * one is deleted, and the projectors fill the new one from the start of the log.
 */
export const resetProjection = async (
  redis: RedisClient,
  projection: Projection,
): Promise<{ readonly build: number; readonly replaced: number | undefined }> => {
  const replaced = await readActiveVersion(redis, projection.name);
  const build = nextBuild(projection, replaced);
  await deleteBuild(redis, { name: projection.name, version: build });
  await activateVersion(redis, { name: projection.name, version: build });
  if (replaced !== undefined) await deleteBuild(redis, { name: projection.name, version: replaced });
  return { build, replaced };
};
