import type { RedisClient } from '../redis/client.js';
import { checkpointKey, type ProjectionId } from './keys.js';

/**
 * Checkpoints are $all commit positions: unsigned 64-bit, beyond a double's exact range, so they
 * are stored as decimal strings without leading zeros and compared as bigints here. The commit
 * script compares them as strings (length first), which is why the form must be canonical.
 */
export const formatPosition = (position: bigint): string => {
  if (position < 0n) throw new RangeError(`a position is never negative, got ${position}`);
  return position.toString(10);
};

/** Parses a stored position; anything else means the key was written by something other than us. */
export const parsePosition = (text: string): bigint => {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new Error(`not a stored position: ${JSON.stringify(text)}`);
  return BigInt(text);
};

/** The last position a projection version applied, or undefined if it has applied nothing yet. */
export const readCheckpoint = async (redis: RedisClient, id: ProjectionId): Promise<bigint | undefined> => {
  const stored = await redis.get(checkpointKey(id));
  return stored === null ? undefined : parsePosition(stored);
};
