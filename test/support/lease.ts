import type { ProjectionId } from '../../src/core/projections/keys.js';
import { acquireLease } from '../../src/core/projections/lease.js';
import type { RedisClient } from '../../src/core/redis/client.js';

/** Takes the lease of a projection no one else uses, as a runner does before it commits; returns the token. */
export const holdLease = async (redis: RedisClient, projection: ProjectionId): Promise<string> => {
  const token = await acquireLease(redis, projection, 60_000);
  if (token === undefined) throw new Error(`${projection.name} v${projection.version} already has a lease holder`);
  return token;
};
