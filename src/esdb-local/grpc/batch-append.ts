import type { ServerDuplexStream } from '@grpc/grpc-js';
import {
  InvalidArgumentError,
  MaximumAppendSizeExceededError,
  StreamDeletedError,
  WrongExpectedVersionError,
} from '../streams/errors.js';
import type { ExpectedRevision } from '../streams/expected-revision.js';
import type { LocalEventStore } from '../streams/local-event-store.js';
import type { ProposedEvent, WriteResult } from '../streams/stream-writer.js';
import { Any, Empty, shared, status, streams } from './generated.js';
import type { LongLivedCalls } from './long-lived-calls.js';
import { AppendSizeBudget, proposedEventOf } from './proposed-events.js';
import { expectedRevisionOf, streamNameOf, uuidOf } from './request-fields.js';
import { serverShuttingDown } from './service-errors.js';

type BatchAppendCall = ServerDuplexStream<streams.BatchAppendReq, streams.BatchAppendResp>;

/** google.rpc.Code values EventStoreDB uses in BatchAppend errors. */
const Code = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, INTERNAL: 13 } as const;

/** A write being received: BatchAppend may spread one write's events over several messages. */
interface PendingWrite {
  readonly correlationId: shared.UUID;
  readonly identifier: shared.StreamIdentifier;
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly events: ProposedEvent[];
  readonly budget: AppendSizeBudget;
  readonly timer: NodeJS.Timeout;
}

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

/** The google.rpc.Status EventStoreDB answers a failed write with, details packed as it packs them. */
const errorStatus = (error: unknown, write: { identifier: shared.StreamIdentifier; expected: ExpectedRevision }) => {
  if (error instanceof WrongExpectedVersionError) return wrongExpectedVersionStatus(write.expected, error.actual);
  if (error instanceof StreamDeletedError) {
    const details = new shared.StreamDeleted().setStreamIdentifier(write.identifier);
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

const TIMEOUT_STATUS = () =>
  rpcStatus(Code.DEADLINE_EXCEEDED, 'Timeout', packed(new shared.Timeout(), 'event_store.client.Timeout'));

const success = (result: WriteResult): streams.BatchAppendResp.Success => {
  const answer = new streams.BatchAppendResp.Success();
  if (result.revision < 0) answer.setNoStream(new Empty());
  else answer.setCurrentRevision(String(result.revision));
  if (result.position === undefined) {
    answer.setNoPosition(new Empty());
  } else {
    answer.setPosition(
      new shared.AllStreamPosition()
        .setCommitPosition(String(result.position))
        .setPreparePosition(String(result.position)),
    );
  }
  return answer;
};

/** Echoes the write's expectation, as the response's `expected_stream_position` oneof does. */
const responseFor = (write: Pick<PendingWrite, 'correlationId' | 'identifier' | 'expected'>) => {
  const response = new streams.BatchAppendResp()
    .setCorrelationId(write.correlationId)
    .setStreamIdentifier(write.identifier);
  const { expected } = write;
  if (expected === 'any') response.setAny(new Empty());
  else if (expected === 'no_stream') response.setNoStream(new Empty());
  else if (expected === 'stream_exists') response.setStreamExists(new Empty());
  else response.setStreamPosition(String(expected));
  return response;
};

/** Milliseconds from now until the write's deadline (a timestamp on the wire). */
const msUntilDeadline = (options: streams.BatchAppendReq.Options): number => {
  const deadline = options.getDeadline();
  if (!deadline) return Number.POSITIVE_INFINITY;
  return deadline.getSeconds() * 1000 + deadline.getNanos() / 1e6 - Date.now();
};

/** The longest a timer can wait in Node; a later deadline is as good as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `Streams.BatchAppend`: one long-lived duplex call carrying many writes, each identified by a
 * correlation id, its events possibly spread over several messages until `is_final`. Each write
 * is answered once, when durable, out of order with others if need be. A write still being
 * received when its deadline passes is answered with a timeout and forgotten. When the server
 * stops, writes already committed are answered, then the call ends with UNAVAILABLE (which
 * fails the client's writes still being sent, none of which was written).
 */
export const handleBatchAppend =
  (store: LocalEventStore, openCalls: LongLivedCalls) =>
  (call: BatchAppendCall): void => {
    const pending = new Map<string, PendingWrite>();
    let inFlight = 0;
    let requestsEnded = false;
    let stopping = false;
    let onIdle: (() => void) | undefined;

    const send = (response: streams.BatchAppendResp): void => {
      if (!call.writableEnded && !call.destroyed) call.write(response);
    };
    const endIfDone = (): void => {
      if (requestsEnded && inFlight === 0 && !call.writableEnded) call.end();
    };

    const begin = (key: string, request: streams.BatchAppendReq, options: streams.BatchAppendReq.Options) => {
      const identifier = options.getStreamIdentifier() ?? new shared.StreamIdentifier();
      const expected = expectedRevisionOf(options, {
        has: options.hasStreamPosition(),
        value: () => options.getStreamPosition(),
      });
      const write = { correlationId: request.getCorrelationId()!, identifier, expected };
      const streamId = streamNameOf(identifier);
      const wait = msUntilDeadline(options);
      if (wait <= 0) {
        send(responseFor(write).setError(TIMEOUT_STATUS()));
        return;
      }
      const timer = setTimeout(
        () => {
          if (pending.get(key)?.timer !== timer) return;
          pending.delete(key);
          send(responseFor(write).setError(TIMEOUT_STATUS()));
        },
        Math.min(wait, MAX_TIMER_MS),
      );
      timer.unref();
      pending.set(key, { ...write, streamId, events: [], budget: new AppendSizeBudget(), timer });
    };

    const commit = (write: PendingWrite): void => {
      inFlight++;
      store.writer
        .append(write.streamId, write.expected, write.events)
        .then(
          (result) => send(responseFor(write).setSuccess(success(result))),
          (error: unknown) => send(responseFor(write).setError(errorStatus(error, write))),
        )
        .finally(() => {
          inFlight--;
          if (inFlight === 0) onIdle?.();
          endIfDone();
        });
    };

    const receive = (request: streams.BatchAppendReq): void => {
      const key = uuidOf(request.getCorrelationId());
      const options = request.getOptions();
      if (options && !pending.has(key)) begin(key, request, options);
      const write = pending.get(key);
      if (!write) return;
      try {
        for (const message of request.getProposedMessagesList()) {
          const event = proposedEventOf(message);
          write.budget.add(event);
          write.events.push(event);
        }
      } catch (error) {
        clearTimeout(write.timer);
        pending.delete(key);
        send(responseFor(write).setError(errorStatus(error, write)));
        return;
      }
      if (!request.getIsFinal()) return;
      clearTimeout(write.timer);
      pending.delete(key);
      commit(write);
    };

    call.on('data', (request: streams.BatchAppendReq) => {
      if (stopping) return;
      try {
        receive(request);
      } catch (error) {
        const identifier = request.getOptions()?.getStreamIdentifier() ?? new shared.StreamIdentifier();
        const correlationId = request.getCorrelationId() ?? new shared.UUID();
        const write = { correlationId, identifier, expected: 'any' as const };
        send(responseFor(write).setError(errorStatus(error, write)));
      }
    });
    call.on('end', () => {
      requestsEnded = true;
      endIfDone();
    });
    const forget = (): void => {
      for (const write of pending.values()) clearTimeout(write.timer);
      pending.clear();
    };
    const stop = async (): Promise<void> => {
      stopping = true;
      forget();
      if (inFlight > 0) await new Promise<void>((resolve) => (onIdle = resolve));
      if (!call.writableEnded && !call.destroyed) call.emit('error', serverShuttingDown());
    };
    const closed = openCalls.add(stop);
    call.on('cancelled', forget);
    call.on('error', forget);
    call.on('close', closed);
  };
