import type { RedisClient } from '../../redis/client.js';
import { buildKeyPrefixes, type ProjectionId } from '../keys.js';

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);

/** Glob patterns matching every key of one build: its read-model data and its bookkeeping. */
const patternsOf = (build: ProjectionId): string[] => buildKeyPrefixes(build).map((prefix) => `${escapeGlob(prefix)}*`);

const unlinkMatching = async (redis: RedisClient, patterns: readonly string[]): Promise<number> => {
  let removed = 0;
  for (const pattern of patterns) {
    // SCAN, not KEYS: a big read model must not block Redis while it is cleared away.
    for await (const keys of redis.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
      if (keys.length === 0) continue;
      removed += await redis.unlink(keys);
    }
  }
  return removed;
};

/**
 * Deletes a build that readers no longer use (its data, checkpoint, lease and parked events),
 * after a rebuild switched readers to its successor. Returns how many keys went.
 */
export const deleteBuild = (redis: RedisClient, build: ProjectionId): Promise<number> =>
  unlinkMatching(redis, patternsOf(build));
