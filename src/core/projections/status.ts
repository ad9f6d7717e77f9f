import type { RedisClient } from '../redis/client.js';
import { readActiveVersion } from './active-version.js';
import { readCheckpoint } from './checkpoint.js';
import { type ProjectionHalt, readHalt } from './halts.js';
import type { ProjectionId } from './keys.js';
import { readLease } from './lease.js';
import { countParked } from './parking.js';

/** One projection version as an operator sees it (`projections status`). */
export interface ProjectionVersionStatus extends ProjectionId {
  /** Whether readers use this version. */
  readonly active: boolean;
  /** The version readers use, if any. */
  readonly activeVersion: number | undefined;
  /** The last $all position applied, if any. */
  readonly checkpoint: bigint | undefined;
  /** How far the checkpoint is behind `head`, in position units (log bytes in EventStoreDB), when a head was given. */
  readonly lag: bigint | undefined;
  /** The lease token of the runner writing this version (`<host>:<pid>:<uuid>`), if one is. */
  readonly leaseHolder: string | undefined;
  readonly leaseExpiresInMs: number | undefined;
  readonly parked: number;
  /** Where this version halted and why, when its failure policy halted it; undefined while it runs. */
  readonly halt: ProjectionHalt | undefined;
}

/**
 * The state of each projection version: checkpoint, lag behind `head` (the $all position of the
 * last event, from the event store), active version, lease holder, parked events and halt. The reads
 * of all projections are issued together, so this costs one round trip however many there are.
 */
export const readProjectionStatus = (
  redis: RedisClient,
  projections: readonly ProjectionId[],
  head?: bigint,
): Promise<ProjectionVersionStatus[]> =>
  Promise.all(
    projections.map(async (projection): Promise<ProjectionVersionStatus> => {
      const [checkpoint, activeVersion, lease, parked, halt] = await Promise.all([
        readCheckpoint(redis, projection),
        readActiveVersion(redis, projection.name),
        readLease(redis, projection),
        countParked(redis, projection),
        readHalt(redis, projection),
      ]);
      return {
        name: projection.name,
        version: projection.version,
        active: activeVersion === projection.version,
        activeVersion,
        checkpoint,
        lag: head === undefined ? undefined : lagBehind(head, checkpoint),
        leaseHolder: lease?.holder,
        leaseExpiresInMs: lease?.expiresInMs,
        parked,
        halt,
      };
    }),
  );

const lagBehind = (head: bigint, checkpoint: bigint | undefined): bigint => {
  if (checkpoint === undefined) return head;
  return head > checkpoint ? head - checkpoint : 0n;
};
