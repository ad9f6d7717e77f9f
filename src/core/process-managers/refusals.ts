import { CancelledError } from '@eventstore/db-client';
import { ConcurrencyError, DomainError, ServiceUnavailableError } from '../errors.js';
import { isEventStoreUnavailable } from '../eventstore/store-unavailable.js';
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

export const refusalKind = (error: unknown): RefusalKind => {
  if (error instanceof DomainError) return 'for-good';
  if (error instanceof ConcurrencyError || error instanceof ServiceUnavailableError) return 'passing';
  // A cancelled call counts too: the store's connection went away under it.
  if (isRedisConnectionError(error) || isEventStoreUnavailable(error) || error instanceof CancelledError) {
    return 'passing';
  }
  return 'failure';
};
