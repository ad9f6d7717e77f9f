import type { RedisClient } from '../redis/client.js';
import { luaScript, runLuaScript } from '../redis/lua-script.js';
import { type FailedEvent, failedEventFields, readFailedEvent } from './failed-event.js';
import { haltKey, leaseKey, type ProjectionId } from './keys.js';

/**
 * Where a projection whose failure policy says `halt` stopped, and why. It lives in Redis beside
 * the build's checkpoint (`proj:{<name>}:v<build>:halted`, a hash readable with HGETALL), so
 * every node and the CLI see it, and a projector that takes the lease over does not try the
 * event again: every lane reads it before it writes, and stays halted while it is there. It
 * goes with its build (a `reset` or `rebuild` makes a fresh one) or with `projections resume`.
 */
export interface ProjectionHalt extends FailedEvent {
  readonly haltedAt: Date;
}

// Fenced like a commit: a runner that lost its lease must not halt a build another one writes.
const haltScript = luaScript(`#!lua
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 2))
return 1
`);

/** Records that the build halted at `halt`'s event. 'fenced' (nothing written) if `leaseToken` lost the lease. */
export const recordHalt = async (
  redis: RedisClient,
  build: ProjectionId,
  leaseToken: string,
  halt: ProjectionHalt,
): Promise<'halted' | 'fenced'> => {
  const reply = await runLuaScript(
    redis,
    haltScript,
    [leaseKey(build), haltKey(build)],
    [leaseToken, ...failedEventFields(halt, ['haltedAt', halt.haltedAt])],
  );
  return reply === 1 ? 'halted' : 'fenced';
};

/** Where the build halted, or undefined while it has not. */
export const readHalt = async (redis: RedisClient, build: ProjectionId): Promise<ProjectionHalt | undefined> => {
  const hash = await redis.hGetAll(haltKey(build));
  if (hash.position === undefined) return undefined;
  return { ...readFailedEvent(hash), haltedAt: new Date(hash.haltedAt ?? 0) };
};

/** Lets the build's lanes try again from its checkpoint (`projections resume`); whether it was halted. */
export const clearHalt = async (redis: RedisClient, build: ProjectionId): Promise<boolean> =>
  (await redis.del(haltKey(build))) > 0;

/** One line for logs and status: where it halted and why. */
export const describeHalt = (halt: ProjectionHalt): string =>
  `halted at ${halt.type} ${halt.streamId}@${halt.revision} (position ${halt.position}) after ${halt.attempts} attempt${halt.attempts === 1 ? '' : 's'}: ${halt.error}`;
