import { DeadlineExceededError, NotLeaderError, TimeoutError, UnavailableError } from '@eventstore/db-client';
import { status } from '@grpc/grpc-js';
import { ServiceUnavailableError } from '../errors.js';

/** The event store client's errors that say the store could not answer now, not that it said no. */
const unavailableErrors = [UnavailableError, DeadlineExceededError, TimeoutError, NotLeaderError];

/**
 * The same, as the gRPC status of an error the client passes on unconverted: a stream read
 * against a store that is down rejects with grpc-js's own error (`14 UNAVAILABLE: No connection
 * established`), not with `UnavailableError`.
 */
const unavailableStatuses: ReadonlySet<unknown> = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);

const isGrpcUnavailable = (error: unknown): boolean =>
  error instanceof Error && 'details' in error && unavailableStatuses.has((error as { code?: unknown }).code);

/** Whether `error` says the event store could not be reached or did not answer in time. */
export const isEventStoreUnavailable = (error: unknown): boolean =>
  unavailableErrors.some((type) => error instanceof type) || isGrpcUnavailable(error);

/**
 * The event store's "cannot answer now" as esgraph's own error, so a client gets
 * `SERVICE_UNAVAILABLE` (503, try again) rather than a masked internal error; undefined for
 * anything else.
 */
export const asEventStoreUnavailable = (error: unknown): ServiceUnavailableError | undefined =>
  isEventStoreUnavailable(error)
    ? new ServiceUnavailableError('the event store cannot be reached right now; try again shortly', { cause: error })
    : undefined;
