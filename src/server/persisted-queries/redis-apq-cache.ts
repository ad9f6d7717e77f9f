import { type KeyValueCache, PrefixingKeyValueCache } from '@apollo/utils.keyvaluecache';
import type { PersistedQueryLimits } from '../../config.js';
import type { Logger } from '../../core/logger.js';
import type { RedisClient } from '../../core/redis/client.js';
import { luaScript, runLuaScript } from '../../core/redis/lua-script.js';

/*
 * Automatic persisted queries in the server's Redis, so a document registered through one
 * instance is found by hash through every other. Documents live in one hash, and a sorted set
 * keeps their registration order: the two share a hash tag, so Redis Cluster puts them in one
 * slot and the script declares every key it touches. No package fits: @keyv/redis is built on
 * node-redis 5 (we run 6) and bounds nothing.
 */

const documentsKey = 'esgraph:{apq}:documents';
const orderKey = 'esgraph:{apq}:order';

/**
 * Registers one document unless it is there already, then drops the oldest registrations past
 * the bound, atomically, so concurrent registrations from many instances cannot overshoot it.
 */
const register = luaScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
local now = redis.call('TIME')
redis.call('ZADD', KEYS[2], now[1] * 1000000 + now[2], ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if excess > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #oldest, 2 do redis.call('HDEL', KEYS[1], oldest[i]) end
end
return 1
`);

/**
 * Apollo's `KeyValueCache` for `persistedQueries`, bounded so a stranger registering documents
 * cannot fill Redis: at most `maxEntries` documents (oldest registered out first) of at most
 * `maxDocumentBytes` each; a larger document runs but is not kept, so its client keeps sending
 * the text. Redis away is a miss (the client sends the text, and the request goes on as any
 * other), logged once per outage. Entries need no expiry: a hash names one text forever, and the
 * bound, not time, is what keeps memory in check.
 */
export const createRedisApqCache = (
  redis: RedisClient,
  limits: PersistedQueryLimits,
  log: Logger,
): KeyValueCache<string> => {
  let outage = false;
  const reportOutage = (error: unknown): void => {
    if (!outage)
      log.warn({ err: error }, 'persisted queries unavailable (Redis unreachable); clients send full documents');
    outage = true;
  };
  const cache: KeyValueCache<string> = {
    get: async (hash) => {
      try {
        const text = await redis.hGet(documentsKey, hash);
        outage = false;
        return text ?? undefined;
      } catch (error) {
        reportOutage(error);
        return undefined;
      }
    },
    set: async (hash, text) => {
      if (Buffer.byteLength(text) > limits.maxDocumentBytes) return;
      try {
        await runLuaScript(redis, register, [documentsKey, orderKey], [hash, text, String(limits.maxEntries)]);
        outage = false;
      } catch (error) {
        reportOutage(error);
      }
    },
    delete: async (hash) => {
      await redis.multi().hDel(documentsKey, hash).zRem(orderKey, hash).exec();
    },
  };
  // Our keys are ours alone, so Apollo need not prefix them with its own `apq:`.
  return PrefixingKeyValueCache.cacheDangerouslyDoesNotNeedPrefixesForIsolation(cache);
};
