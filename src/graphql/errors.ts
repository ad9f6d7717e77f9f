import { randomUUID } from 'node:crypto';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import {
  AccessDeniedError,
  CommandIdReusedError,
  ConcurrencyError,
  ConsistencyTimeoutError,
  DomainError,
  NotFoundError,
  OperationAbortedError,
  ServiceUnavailableError,
  UnreadableReadModelError,
  ValidationError,
} from '../core/errors.js';
import { asEventStoreUnavailable } from '../core/eventstore/store-unavailable.js';
import type { Logger } from '../core/logger.js';
import { asServiceUnavailable } from '../core/redis/connection-errors.js';
import { documentLimitCode } from './document-limit-error.js';
import { isMalformedValue } from './malformed-value.js';

/** The one table from our error classes to `extensions.code`. */
const codeOf = (error: unknown): string | undefined => {
  if (error instanceof DomainError) return error.code;
  if (error instanceof ValidationError) return 'BAD_USER_INPUT';
  if (error instanceof NotFoundError) return error.code;
  if (error instanceof ConcurrencyError) return 'CONCURRENCY_CONFLICT';
  if (error instanceof CommandIdReusedError) return 'COMMAND_ID_REUSED';
  if (error instanceof ConsistencyTimeoutError) return 'CONSISTENCY_TIMEOUT';
  if (error instanceof UnreadableReadModelError) return 'READ_MODEL_UNREADABLE';
  if (error instanceof ServiceUnavailableError) return 'SERVICE_UNAVAILABLE';
  if (error instanceof AccessDeniedError) return 'FORBIDDEN';
  if (error instanceof OperationAbortedError) return error.code;
  return undefined;
};

/**
 * What went wrong underneath: the resolver's error, or the one graphql-ws wrapped when a
 * subscription's stream failed (a GraphQLError without a path). Redis connection failures, and
 * an event store that cannot answer, become `ServiceUnavailableError` here, whichever layer let
 * them through.
 */
const causeOf = (error: unknown): unknown => {
  let cause = unwrapResolverError(error);
  if (
    cause instanceof GraphQLError &&
    cause.originalError !== undefined &&
    !(cause.originalError instanceof GraphQLError)
  ) {
    cause = cause.originalError;
  }
  return asServiceUnavailable(cause) ?? asEventStoreUnavailable(cause) ?? cause;
};

/**
 * A GraphQLError that already carries a code: Apollo's own (parse, validation, bad request), a
 * scalar's BAD_USER_INPUT, which graphql-js keeps on the error it wraps the scalar's in, or a
 * document limit's, which Apollo's GRAPHQL_VALIDATION_FAILED wraps.
 */
const graphqlCodeOf = (error: unknown): string | undefined => {
  if (!(error instanceof GraphQLError)) return undefined;
  const original = error.originalError;
  const inner = original instanceof GraphQLError ? original.extensions.code : undefined;
  // Apollo's validation error wraps a refused document's own code; the client gets that one.
  if (inner === 'BAD_USER_INPUT' || inner === documentLimitCode) return inner;
  const own = error.extensions.code;
  if (typeof own === 'string') return own;
  // Apollo refuses some malformed requests with a status and no code (a persisted query whose
  // hash is not its document's, an unknown persisted query version): the request is bad, not us.
  const status = (error.extensions.http as { status?: number } | undefined)?.status;
  return status !== undefined && status >= 400 && status < 500 ? 'BAD_REQUEST' : undefined;
};

/**
 * Formats every error that leaves the server. Known errors keep their message and gain their
 * code; anything else is masked as INTERNAL_SERVER_ERROR and logged with an id the client sees,
 * so a report can be matched to the log line without leaking internals.
 */
export const createErrorFormatter =
  (log: Logger) =>
  (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const cause = causeOf(error);
    const own = codeOf(cause);
    if (own !== undefined) {
      // The message of our own error, not of what it translated (node-redis's "The client is closed").
      const message = cause instanceof Error ? cause.message : formatted.message;
      return { ...formatted, message, extensions: { ...formatted.extensions, code: own } };
    }
    const known = isMalformedValue(error) ? 'BAD_USER_INPUT' : (graphqlCodeOf(cause) ?? graphqlCodeOf(error));
    if (known !== undefined && known !== 'INTERNAL_SERVER_ERROR') {
      return { ...formatted, extensions: { ...formatted.extensions, code: known } };
    }
    const errorId = randomUUID();
    log.error({ err: cause, errorId, path: formatted.path }, 'unexpected error while executing GraphQL');
    return {
      message: `Internal server error (error id ${errorId})`,
      ...(formatted.locations === undefined ? {} : { locations: formatted.locations }),
      ...(formatted.path === undefined ? {} : { path: formatted.path }),
      extensions: { code: 'INTERNAL_SERVER_ERROR', errorId },
    };
  };
