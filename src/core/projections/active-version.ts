import { progressChannel } from '../pubsub/channels.js';
import type { RedisClient } from '../redis/client.js';
import { activeVersionKey, type KeySpace, keySpace, type ProjectionId } from './keys.js';
import { encodeProgress } from './progress-messages.js';

/**
 * Points readers at a projection version: after a rebuild has caught up, or to roll back. The
 * switch and its announcement go in one MULTI/EXEC, so no process keeps reading the old version
 * for want of a message (both commands are plain writes; neither can fail half-way).
 */
export const activateVersion = async (redis: RedisClient, id: ProjectionId): Promise<void> => {
  await redis
    .multi()
    .set(activeVersionKey(id.name), String(id.version))
    .publish(progressChannel(id.name), encodeProgress({ kind: 'active', version: id.version }))
    .exec();
};

/** The version readers use, or undefined if none was ever activated. */
export const readActiveVersion = async (redis: RedisClient, name: string): Promise<number | undefined> => {
  const stored = await redis.get(activeVersionKey(name));
  return stored === null ? undefined : Number(stored);
};

/**
 * The key space a reader reads a projection from, or undefined if no version is active yet.
 * One GET per call, uncached: correctness first. A reader that just waited for a position should
 * read the version the wait checked, which {@link PositionWaiter} returns.
 */
export const activeKeySpace = async (redis: RedisClient, name: string): Promise<KeySpace | undefined> => {
  const version = await readActiveVersion(redis, name);
  return version === undefined ? undefined : keySpace({ name, version });
};
