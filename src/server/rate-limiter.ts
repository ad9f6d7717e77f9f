import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimits } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { RedisClient } from '../core/redis/client.js';

/** Who a request or a `subscribe` is counted against. */
export interface RateLimitSubject {
  /** The peer's socket address. X-Forwarded-For is never trusted: a client could name any address. */
  readonly ip: string | undefined;
  /** The verified token's `sub`, when there is one. */
  readonly userId: string | undefined;
  /** Operations the request carries (a batch counts each); 1 when absent. */
  readonly operations?: number;
}

/** Counts one request (each operation of a batch) against its IP and its user; the wait before the next would pass, or undefined when it passes. */
export type RateLimitCheck = (subject: RateLimitSubject) => Promise<number | undefined>;

export const rateLimitedCode = 'RATE_LIMITED';

export const rateLimitedMessage = (retryAfterMs: number): string =>
  `too many requests; retry after ${Math.ceil(retryAfterMs / 1000)} s`;

/**
 * Fixed-window counters in Redis (rate-limiter-flexible's atomic Lua script), so instances that
 * share a Redis share the counts. When Redis cannot answer, requests are served (fail open):
 * Redis away already stops subscriptions and projections, and refusing every request as well
 * would turn a Redis outage into a full one. That is logged once per outage at warn.
 */
export const createRateLimitCheck = (redis: RedisClient, limits: RateLimits, log: Logger): RateLimitCheck => {
  const duration = Math.ceil(limits.windowMs / 1000);
  const limiter = (keyPrefix: string, points: number) =>
    new RateLimiterRedis({ storeClient: redis, useRedisPackage: true, keyPrefix, points, duration });
  const perIp = limiter('esgraph:rate:ip', limits.perIp);
  const perUser = limiter('esgraph:rate:user', limits.perUser);
  let outage = false;

  const consume = async (counter: RateLimiterRedis, key: string, points: number): Promise<number | undefined> => {
    try {
      await counter.consume(key, points);
      outage = false;
      return undefined;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        outage = false;
        return Math.max(1, rejection.msBeforeNext);
      }
      if (!outage) log.warn({ err: rejection }, 'rate limits not counted (Redis unavailable); serving unlimited');
      outage = true;
      return undefined;
    }
  };

  return async ({ ip, userId, operations = 1 }) => {
    const waits = await Promise.all([
      ip === undefined ? undefined : consume(perIp, ip, operations),
      userId === undefined ? undefined : consume(perUser, userId, operations),
    ]);
    const limited = waits.filter((wait): wait is number => wait !== undefined);
    return limited.length === 0 ? undefined : Math.max(...limited);
  };
};
