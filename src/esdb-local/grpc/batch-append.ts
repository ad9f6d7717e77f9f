import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import { InvalidArgumentError } from '../streams/errors.js';
import type { ExpectedRevision } from '../streams/expected-revision.js';
import type { LocalEventStore } from '../streams/local-event-store.js';
import type { ProposedEvent } from '../streams/stream-writer.js';
import { failedWriteResponse, timedOutWriteResponse, type WriteIdentity } from './batch-append-errors.js';
import {
  type BatchAppendOptions,
  type BatchAppendRequest,
  decodeBatchAppendRequest,
  encodeBatchAppendSuccess,
  proposedEventOfWire,
} from './batch-append-wire.js';
import type { streams } from './generated.js';
import type { LongLivedCalls } from './long-lived-calls.js';
import { AppendSizeBudget } from './proposed-events.js';
import { serverShuttingDown, serviceError } from './service-errors.js';

/** Requests arrive undecoded (see batch-append-wire.ts); successes leave as bytes, failures as messages. */
export type BatchAppendResponse = Buffer | streams.BatchAppendResp;
type BatchAppendCall = ServerDuplexStream<Buffer, BatchAppendResponse>;

/** A write whose events are still arriving: BatchAppend may spread one write over several messages. */
interface OpenWrite extends WriteIdentity {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly deadline: number | undefined;
  readonly events: ProposedEvent[];
  readonly budget: AppendSizeBudget;
  timer: NodeJS.Timeout | undefined;
}

/** The longest a timer can wait in Node; a later deadline is as good as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why a write's options cannot open it, if they cannot. */
const problemWith = (options: BatchAppendOptions): string | undefined => {
  if (options.streamId === '') return 'Stream name must be provided';
  if (options.expected === undefined) return 'Expected stream revision must be provided';
  return undefined;
};

const openWrite = (
  request: BatchAppendRequest,
  options: BatchAppendOptions,
  expected: ExpectedRevision,
): OpenWrite => ({
  correlationId: request.correlationId,
  streamName: options.streamName,
  streamId: options.streamId,
  expected,
  deadline: options.deadline,
  events: [],
  budget: new AppendSizeBudget(),
  timer: undefined,
});

/**
 * `Streams.BatchAppend`: one long-lived duplex call carrying many writes, each identified by a
 * correlation id, its events possibly spread over several messages until `is_final`. Each write
 * is answered once, when durable, out of order with others if need be. A write whose deadline
 * has passed when it opens, or passes while its events are still arriving, is answered with a
 * timeout and forgotten (later messages of it are ignored, as EventStoreDB ignores them). When
 * the server stops, writes already committed are answered, then the call ends with UNAVAILABLE
 * (which fails the client's writes still being sent, none of which was written).
 */
export const handleBatchAppend =
  (store: LocalEventStore, openCalls: LongLivedCalls) =>
  (call: BatchAppendCall): void => {
    const open = new Map<string, OpenWrite>();
    let inFlight = 0;
    let requestsEnded = false;
    let stopping = false;
    let onIdle: (() => void) | undefined;

    const send = (response: BatchAppendResponse): void => {
      if (!call.writableEnded && !call.destroyed) call.write(response);
    };
    const endIfDone = (): void => {
      if (requestsEnded && inFlight === 0 && !call.writableEnded) call.end();
    };
    const forget = (key: string, write: OpenWrite): void => {
      clearTimeout(write.timer);
      open.delete(key);
    };

    const commit = (write: OpenWrite): void => {
      inFlight++;
      store.writer
        .append(write.streamId, write.expected, write.events)
        .then(
          (result) => send(encodeBatchAppendSuccess(write.correlationId, write.streamName, result)),
          (error: unknown) => send(failedWriteResponse(write, error)),
        )
        .finally(() => {
          inFlight--;
          if (inFlight === 0) onIdle?.();
          endIfDone();
        });
    };

    const waitForRest = (key: string, write: OpenWrite): void => {
      open.set(key, write);
      if (write.timer !== undefined || write.deadline === undefined) return;
      write.timer = setTimeout(
        () => {
          if (open.get(key) !== write) return;
          open.delete(key);
          send(timedOutWriteResponse(write));
        },
        Math.min(write.deadline - Date.now(), MAX_TIMER_MS),
      );
      write.timer.unref();
    };

    const receive = (request: BatchAppendRequest): void => {
      const key = request.correlationKey;
      let write = open.get(key);
      if (write === undefined) {
        // The rest of a write already answered (timed out or failed) carries no options: ignored.
        const { options } = request;
        if (options === undefined) return;
        const problem = problemWith(options);
        if (problem !== undefined || options.expected === undefined) {
          const identity = {
            correlationId: request.correlationId,
            streamName: options.streamName,
            expected: undefined,
          };
          send(failedWriteResponse(identity, new InvalidArgumentError(problem)));
          return;
        }
        write = openWrite(request, options, options.expected);
        if (write.deadline !== undefined && write.deadline <= Date.now()) {
          send(timedOutWriteResponse(write));
          return;
        }
      }
      try {
        for (const message of request.proposedMessages) {
          const event = proposedEventOfWire(message);
          write.budget.add(event);
          write.events.push(event);
        }
      } catch (error) {
        forget(key, write);
        send(failedWriteResponse(write, error));
        return;
      }
      if (!request.isFinal) {
        waitForRest(key, write);
        return;
      }
      forget(key, write);
      commit(write);
    };

    call.on('data', (bytes: Buffer) => {
      if (stopping) return;
      let request: BatchAppendRequest;
      try {
        request = decodeBatchAppendRequest(bytes);
      } catch (error) {
        // Without a readable correlation id nothing can be answered: the call itself fails.
        call.emit('error', serviceError(status.INVALID_ARGUMENT, `Malformed BatchAppend request: ${error}`));
        return;
      }
      receive(request);
    });
    call.on('end', () => {
      requestsEnded = true;
      endIfDone();
    });
    const forgetAll = (): void => {
      for (const [key, write] of open) forget(key, write);
    };
    const stop = async (): Promise<void> => {
      stopping = true;
      forgetAll();
      if (inFlight > 0) await new Promise<void>((resolve) => (onIdle = resolve));
      if (!call.writableEnded && !call.destroyed) call.emit('error', serverShuttingDown());
    };
    const closed = openCalls.add(stop);
    call.on('cancelled', forgetAll);
    call.on('error', forgetAll);
    call.on('close', closed);
  };
