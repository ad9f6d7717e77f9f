import type { ExpectedRevision } from './expected-revision.js';

/**
 * Why an operation on streams failed, in EventStoreDB's terms. The transport decides how each
 * looks on the wire (a status with trailers, or an error inside a BatchAppend response).
 */
export abstract class StreamsError extends Error {}

/** The expected-revision check failed. `actual` is the stream's last revision, -1 for none. */
export class WrongExpectedVersionError extends StreamsError {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number,
  ) {
    super(`WrongExpectedVersion. Stream: ${streamId}, Expected version: ${expected}, Actual version: ${actual}`);
  }
}

/** The stream was hard deleted (tombstoned), or soft deleted where that forbids the operation. */
export class StreamDeletedError extends StreamsError {
  constructor(readonly streamId: string) {
    super(`Event stream '${streamId}' is deleted.`);
  }
}

/** The events of one append add up to more than the server accepts. */
export class MaximumAppendSizeExceededError extends StreamsError {
  constructor(readonly maxAppendSize: number) {
    super(`Maximum Append Size of ${maxAppendSize} Exceeded.`);
  }
}

/** A request that makes no sense (bad id, missing field, unknown option). */
export class InvalidArgumentError extends StreamsError {}

/** The server is stopping or its storage failed; the client should reconnect elsewhere or later. */
export class ServerUnavailableError extends StreamsError {
  constructor(reason = 'Server Is Not Ready') {
    super(reason);
  }
}
