import type { BackoffPolicy } from '../../backoff.js';
import { isRedisConnectionError } from '../../redis/connection-errors.js';

/** Between sessions that failed: jittered, so lanes that lost Redis together come back apart. */
const AFTER_LOST_REDIS: BackoffPolicy = { initialMs: 200, maxMs: 1_000, jitter: 'full' };
const AFTER_FAILED_SESSION: BackoffPolicy = { initialMs: 200, maxMs: 10_000, jitter: 'full' };

/** How long a lane waits after a session that failed with `error`: Redis coming back should not find it asleep for long. */
export const afterFailedSession = (error: unknown): BackoffPolicy =>
  isRedisConnectionError(error) ? AFTER_LOST_REDIS : AFTER_FAILED_SESSION;
