import { createHash } from 'node:crypto';
import type { RedisClient } from './client.js';

/** A Lua script and its SHA1, computed here so the first call needs no SCRIPT LOAD round trip. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** Defines a script once, at module load; run it with {@link runLuaScript}. */
export const luaScript = (source: string): LuaScript => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

/**
 * Runs a script by its SHA (EVALSHA) and falls back to EVAL, which also caches it, when the server
 * answers NOSCRIPT: after a restart, a failover to a replica that never saw it, or SCRIPT FLUSH.
 * Scripts are deterministic and the fallback only happens when nothing ran, so retrying is safe.
 * Every key the script touches must be in `keys`: Redis Cluster routes and checks slots by them.
 */
export const runLuaScript = async (
  redis: RedisClient,
  script: LuaScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> => {
  const options = { keys: [...keys], arguments: [...args] };
  try {
    return await redis.evalSha(script.sha, options);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(script.source, options);
  }
};
