import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  MaximumAppendSizeExceededError,
  ServerUnavailableError,
  StreamDeletedError,
  WrongExpectedVersionError,
} from '../streams/errors.js';
import { expectedVersionNumber } from '../streams/expected-revision.js';

/*
 * Failures as EventStoreDB's gRPC services send them: a status code, a message, and an
 * `exception` trailer (plus details) that @eventstore/db-client turns into its error classes.
 */

export const serviceError = (code: status, details: string, trailers: Record<string, string> = {}): ServiceError => {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return Object.assign(new Error(details), { code, details, metadata });
};

/** What a call still open when the server stops ends with: clients reconnect on UNAVAILABLE. */
export const serverShuttingDown = (): ServiceError => serviceError(status.UNAVAILABLE, 'Server Is Shutting Down');

/** Every field EventStoreDB requires on a proposed event, as its error names them. */
export const REQUIRED_EVENT_METADATA = ['type', 'content-type'];

export const requiredMetadataMissing = (property: string): ServiceError =>
  serviceError(status.INVALID_ARGUMENT, `Required Metadata Property '${property}' is missing`, {
    exception: 'missing-required-metadata-property',
    'required-metadata-properties': REQUIRED_EVENT_METADATA.join(','),
  });

/**
 * The gRPC failure for an error thrown by the streams layer. `operation` names the request in
 * the wrong-expected-version message ("Delete", "Tombstone"). Anything unexpected is UNKNOWN
 * with its message, never a hang.
 */
export const toServiceError = (error: unknown, operation = 'Operation'): ServiceError => {
  if (error instanceof WrongExpectedVersionError) {
    const expected = expectedVersionNumber(error.expected);
    const actual = error.actual < 0 ? '' : String(error.actual);
    return serviceError(
      status.FAILED_PRECONDITION,
      `${operation} failed due to WrongExpectedVersion. Stream: ${error.streamId}, Expected version: ${expected}, Actual version: ${actual}`,
      {
        exception: 'wrong-expected-version',
        'stream-name': error.streamId,
        'expected-version': String(expected),
        'actual-version': actual,
      },
    );
  }
  if (error instanceof StreamDeletedError) {
    return serviceError(status.FAILED_PRECONDITION, error.message, {
      exception: 'stream-deleted',
      'stream-name': error.streamId,
    });
  }
  if (error instanceof MaximumAppendSizeExceededError) {
    return serviceError(status.INVALID_ARGUMENT, error.message, {
      exception: 'maximum-append-size-exceeded',
      'maximum-append-size': String(error.maxAppendSize),
    });
  }
  if (error instanceof InvalidArgumentError) return serviceError(status.INVALID_ARGUMENT, error.message);
  if (error instanceof ServerUnavailableError) return serviceError(status.UNAVAILABLE, error.message);
  if (isServiceError(error)) return error;
  return serviceError(status.UNKNOWN, error instanceof Error ? error.message : String(error));
};

const isServiceError = (error: unknown): error is ServiceError =>
  error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
