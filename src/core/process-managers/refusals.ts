import {
  CancelledError,
  DeadlineExceededError,
  NotLeaderError,
  TimeoutError,
  UnavailableError,
} from '@eventstore/db-client';
import { status } from '@grpc/grpc-js';
import { ConcurrencyError, DomainError, ServiceUnavailableError } from '../errors.js';
import { isRedisConnectionError } from '../redis/connection-errors.js';

/**
 * What a process manager makes of a command's refusal:
 * - `for-good`: a business rule said no (`DomainError`); the step's failure path is taken.
 * - `passing`: nothing is wrong with the command, the moment is (a stream kept changing, a
 *   dependency or the event store cannot be reached); sent again with backoff, for as long as
 *   it takes, since parking an event for an outage would skip it for no fault of its own.
 * - `failure`: anything else (a malformed command, a reused command id, a bug); the event's
 *   failure policy retries it a few times, then parks it.
 */
export type RefusalKind = 'for-good' | 'passing' | 'failure';

/** The event store client's errors that say the store could not answer now, not that it said no. */
const storeUnavailable = [UnavailableError, DeadlineExceededError, TimeoutError, NotLeaderError, CancelledError];

/**
 * The same, as the gRPC status of an error the client passes on unconverted: a stream read
 * against a store that is down rejects with grpc-js's own error (`14 UNAVAILABLE: No connection
 * established`), not with `UnavailableError`.
 */
const unavailableStatuses: ReadonlySet<unknown> = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);

const isGrpcServiceError = (error: unknown): boolean =>
  error instanceof Error && 'details' in error && unavailableStatuses.has((error as { code?: unknown }).code);

export const refusalKind = (error: unknown): RefusalKind => {
  if (error instanceof DomainError) return 'for-good';
  if (error instanceof ConcurrencyError || error instanceof ServiceUnavailableError) return 'passing';
  if (isRedisConnectionError(error) || isGrpcServiceError(error)) return 'passing';
  if (storeUnavailable.some((type) => error instanceof type)) return 'passing';
  return 'failure';
};
