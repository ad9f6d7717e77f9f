import type { RedisClient } from '../redis/client.js';
import { luaScript, runLuaScript } from '../redis/lua-script.js';
import { type FailedEvent, failedEventFields, readFailedEvent } from './failed-event.js';
import { leaseKey, type ProjectionId, parkedEventKey, parkedIndexKey } from './keys.js';
import { LOG_SORT_KEY_WIDTH, logSortKey } from './log-ordered-set.js';

/**
 * Events a projection gave up on after its retries, kept visible instead of skipped silently.
 * Each is a hash (readable with HGETALL from redis-cli) and a member of a sorted set ordered by
 * position. Members are `<position, zero-padded to 20 digits>:<event id>` with score 0, ordered
 * by ZRANGE BYLEX: a double score would round positions above 2^53.
 */
export interface ParkedEvent extends FailedEvent {
  readonly parkedAt: Date;
}
// Ordered by position like a log-ordered set, though with its own `:` separator (stored data).
const indexMember = (position: bigint, eventId: string): string => `${logSortKey(position)}:${eventId}`;

// Fenced like a commit: a runner that lost its lease must not report failures for events the
// new holder handles. Parking is idempotent (same hash, same member), so a replay may repeat it.
const parkScript = luaScript(`#!lua
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return 1
`);

/** Records an event the projection gave up on. Returns 'fenced' (nothing written) if `leaseToken` lost the lease. */
export const parkEvent = async (
  redis: RedisClient,
  projection: ProjectionId,
  leaseToken: string,
  event: ParkedEvent,
): Promise<'parked' | 'fenced'> => {
  const reply = await runLuaScript(
    redis,
    parkScript,
    [leaseKey(projection), parkedIndexKey(projection), parkedEventKey(projection, event.eventId)],
    [leaseToken, indexMember(event.position, event.eventId), ...failedEventFields(event, ['parkedAt', event.parkedAt])],
  );
  return reply === 1 ? 'parked' : 'fenced';
};

/** How many events a projection version has parked. */
export const countParked = (redis: RedisClient, projection: ProjectionId): Promise<number> =>
  redis.zCard(parkedIndexKey(projection));

/** Parked events in position order, `limit` at a time; pass the last one's position as `after` for the next page. */
export const listParked = async (
  redis: RedisClient,
  projection: ProjectionId,
  { limit = 100, after }: { readonly limit?: number; readonly after?: bigint } = {},
): Promise<ParkedEvent[]> => {
  const from = after === undefined ? '-' : `[${indexMember(after + 1n, '')}`;
  const members = await redis.zRange(parkedIndexKey(projection), from, '+', {
    BY: 'LEX',
    LIMIT: { offset: 0, count: limit },
  });
  const hashes = await Promise.all(
    members.map((member) => redis.hGetAll(parkedEventKey(projection, member.slice(LOG_SORT_KEY_WIDTH + 1)))),
  );
  return hashes.map(toParkedEvent);
};

const toParkedEvent = (hash: Record<string, string>): ParkedEvent => ({
  ...readFailedEvent(hash),
  parkedAt: new Date(hash.parkedAt ?? 0),
});
