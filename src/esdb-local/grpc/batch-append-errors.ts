import {
  InvalidArgumentError,
  MaximumAppendSizeExceededError,
  StreamDeletedError,
  WrongExpectedVersionError,
} from '../streams/errors.js';
import type { ExpectedRevision } from '../streams/expected-revision.js';
import { Any, Empty, shared, status, streams } from './generated.js';

/*
 * BatchAppend answers a failed write inside its response, as a google.rpc.Status whose details
 * are packed the way EventStoreDB packs them; @eventstore/db-client unpacks them into its error
 * classes. Failures are rare, so these go through the generated message classes.
 */

/** What a BatchAppend answer names: the write's correlation id and stream, as sent. */
export interface WriteIdentity {
  readonly correlationId: Uint8Array;
  readonly streamName: Uint8Array;
  /** The write's expectation, which a wrong-expected-version answer reports. */
  readonly expected: ExpectedRevision | undefined;
}

/** google.rpc.Code values EventStoreDB uses in BatchAppend errors. */
const Code = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, INTERNAL: 13 } as const;

const packed = (message: { serializeBinary(): Uint8Array }, typeName: string): Any => {
  const any = new Any();
  any.pack(message.serializeBinary(), typeName);
  return any;
};

const rpcStatus = (code: number, message: string, details: Any): status.Status =>
  new status.Status().setCode(code).setMessage(message).setDetails(details);

const wrongExpectedVersionStatus = (expected: ExpectedRevision, actual: number): status.Status => {
  const details = new shared.WrongExpectedVersion();
  if (actual < 0) details.setCurrentNoStream(new Empty());
  else details.setCurrentStreamRevision(String(actual));
  if (expected === 'any') details.setExpectedAny(new Empty());
  else if (expected === 'no_stream') details.setExpectedNoStream(new Empty());
  else if (expected === 'stream_exists') details.setExpectedStreamExists(new Empty());
  else details.setExpectedStreamPosition(String(expected));
  return rpcStatus(
    Code.ALREADY_EXISTS,
    'WrongExpectedVersion',
    packed(details, 'event_store.client.WrongExpectedVersion'),
  );
};

const identifierOf = (write: WriteIdentity) => new shared.StreamIdentifier().setStreamName(write.streamName);

const errorStatus = (error: unknown, write: WriteIdentity): status.Status => {
  if (error instanceof WrongExpectedVersionError) {
    return wrongExpectedVersionStatus(write.expected ?? 'any', error.actual);
  }
  if (error instanceof StreamDeletedError) {
    const details = new shared.StreamDeleted().setStreamIdentifier(identifierOf(write));
    return rpcStatus(Code.NOT_FOUND, 'StreamDeleted', packed(details, 'event_store.client.StreamDeleted'));
  }
  if (error instanceof MaximumAppendSizeExceededError) {
    const details = new shared.MaximumAppendSizeExceeded().setMaxappendsize(error.maxAppendSize);
    return rpcStatus(
      Code.INVALID_ARGUMENT,
      'MaximumAppendSizeExceeded',
      packed(details, 'event_store.client.MaximumAppendSizeExceeded'),
    );
  }
  if (error instanceof InvalidArgumentError || (error instanceof Error && 'code' in error)) {
    const details = new shared.BadRequest().setMessage(error.message);
    return rpcStatus(Code.INVALID_ARGUMENT, 'BadRequest', packed(details, 'event_store.client.BadRequest'));
  }
  const message = error instanceof Error ? error.message : String(error);
  return rpcStatus(Code.INTERNAL, message, packed(new Empty(), 'google.protobuf.Empty'));
};

const response = (write: WriteIdentity, error: status.Status): streams.BatchAppendResp =>
  new streams.BatchAppendResp()
    .setCorrelationId(shared.UUID.deserializeBinary(write.correlationId))
    .setStreamIdentifier(identifierOf(write))
    .setError(error);

/** The answer to a write that failed with `error` (thrown by the streams layer or by reading the request). */
export const failedWriteResponse = (write: WriteIdentity, error: unknown): streams.BatchAppendResp =>
  response(write, errorStatus(error, write));

/** The answer to a write whose deadline passed before it was complete. */
export const timedOutWriteResponse = (write: WriteIdentity): streams.BatchAppendResp =>
  response(
    write,
    rpcStatus(Code.DEADLINE_EXCEEDED, 'Timeout', packed(new shared.Timeout(), 'event_store.client.Timeout')),
  );
