import type { RedisClient } from '../../src/core/redis/client.js';

/**
 * Everything one build of a projection holds, by logical key, in a form two builds can be
 * compared with: a rebuilt read model must equal the one kept up to date incrementally.
 */
export const dumpBuild = async (redis: RedisClient, name: string, build: number): Promise<Record<string, unknown>> => {
  const prefix = `rm:{${name}}:v${build}:`;
  const dump: Record<string, unknown> = {};
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
    for (const key of keys) {
      const logical = key.slice(prefix.length);
      switch (await redis.type(key)) {
        case 'string':
          dump[logical] = await redis.get(key);
          break;
        case 'hash':
          dump[logical] = await redis.hGetAll(key);
          break;
        case 'zset':
          dump[logical] = await redis.zRangeWithScores(key, 0, -1);
          break;
        case 'list':
          dump[logical] = await redis.lRange(key, 0, -1);
          break;
        case 'set':
          dump[logical] = (await redis.sMembers(key)).sort();
          break;
        default:
          dump[logical] = `<${await redis.type(key)}>`;
      }
    }
  }
  return dump;
};
