import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ErrorReply,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
} from 'redis';
import { ServiceUnavailableError } from '../errors.js';

/** Socket-level failures of reaching a server at all (refused, reset, unreachable). */
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

const nodeRedisConnectionErrors = [
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
];

/** Whether `error` says Redis could not be reached (rather than that it refused a command). */
export const isRedisConnectionError = (error: unknown): boolean => {
  if (nodeRedisConnectionErrors.some((type) => error instanceof type)) return true;
  // A server that restarts answers LOADING until its append-only file is read back.
  if (error instanceof ErrorReply) return error.message.startsWith('LOADING');
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && networkCodes.has(code);
};

/**
 * The one translation of node-redis's connection failures into esgraph's own error: a
 * `ServiceUnavailableError` for anything that means "Redis is away", undefined for anything else.
 */
export const asServiceUnavailable = (error: unknown): ServiceUnavailableError | undefined => {
  if (error instanceof ServiceUnavailableError) return error;
  if (!isRedisConnectionError(error)) return undefined;
  const detail = error instanceof Error ? `: ${error.message}` : '';
  return new ServiceUnavailableError(`Redis is unreachable${detail}; try again shortly`, { cause: error });
};
