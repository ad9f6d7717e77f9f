import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClient } from '../redis/client.js';
import { luaScript, runLuaScript } from '../redis/lua-script.js';
import { leaseKey, type ProjectionId } from './keys.js';

/**
 * The lease on a projection version: at most one runner may write it. The token is random, and
 * starts with host and pid so an operator can tell who holds it. Renewal and release compare the
 * token inside Redis, so a runner whose lease expired and went to someone else cannot extend or
 * delete the new holder's lease; and every commit checks the token too (fencing).
 */

/** A fresh token: `<host>:<pid>:<uuid>`. */
export const newLeaseToken = (owner = `${hostname()}:${process.pid}`): string => `${owner}:${randomUUID()}`;

/** Takes the lease if nobody holds it. Returns the token, or undefined when another runner holds it. */
export const acquireLease = async (
  redis: RedisClient,
  id: ProjectionId,
  ttlMs: number,
  token = newLeaseToken(),
): Promise<string | undefined> => {
  const reply = await redis.set(leaseKey(id), token, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } });
  return reply === 'OK' ? token : undefined;
};

const renewScript = luaScript(`#!lua
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`);

const releaseScript = luaScript(`#!lua
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`);

/** Extends the lease to `ttlMs` from now if `token` still holds it. False means it is lost. */
export const renewLease = async (
  redis: RedisClient,
  id: ProjectionId,
  token: string,
  ttlMs: number,
): Promise<boolean> => (await runLuaScript(redis, renewScript, [leaseKey(id)], [token, String(ttlMs)])) === 1;

/** Gives the lease up if `token` still holds it, so a successor need not wait for the TTL. */
export const releaseLease = async (redis: RedisClient, id: ProjectionId, token: string): Promise<boolean> =>
  (await runLuaScript(redis, releaseScript, [leaseKey(id)], [token])) === 1;

/** Who holds the lease and for how much longer, for status displays. */
export const readLease = async (
  redis: RedisClient,
  id: ProjectionId,
): Promise<{ readonly holder: string; readonly expiresInMs: number } | undefined> => {
  const key = leaseKey(id);
  const [holder, expiresInMs] = await Promise.all([redis.get(key), redis.pTTL(key)]);
  return holder === null ? undefined : { holder, expiresInMs };
};
