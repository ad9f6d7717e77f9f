import { type ResolvedEvent, type StreamingRead, StreamNotFoundError } from '@eventstore/db-client';
import { DomainError } from '../errors.js';
import type { EventStoreClient } from './client.js';
import { type EventEnvelope, toEventEnvelope } from './event-envelope.js';

/**
 * Stops a read when `signal` aborts: the gRPC call is cancelled (a read left open would hold
 * its call, and the client's dispose() would wait for it) and the stream destroyed with the
 * signal's reason, which the reader's loop then throws, whether it was waiting for the store or
 * between two events. The returned function detaches it once the read is over.
 */
const stopOnAbort = (read: StreamingRead<ResolvedEvent>, signal: AbortSignal | undefined): (() => void) => {
  if (signal === undefined) return () => {};
  const stop = (): void => {
    // cancel() only fails when the call never started (no connection), which ends the read anyway.
    read.cancel().catch(() => {});
    read.destroy(signal.reason);
  };
  signal.addEventListener('abort', stop, { once: true });
  return () => signal.removeEventListener('abort', stop);
};

/** The events one read answers, in order; a stream that does not exist (or was deleted) has none. */
const collect = async (
  client: EventStoreClient,
  streamName: string,
  options: { fromRevision: bigint; maxCount?: number },
  signal?: AbortSignal,
): Promise<EventEnvelope[]> => {
  // An operation already stopped reads nothing: no call is made at all.
  signal?.throwIfAborted();
  const events: EventEnvelope[] = [];
  const read = client.readStream(streamName, options);
  const detach = stopOnAbort(read, signal);
  try {
    for await (const resolved of read) {
      const record = toEventEnvelope(resolved);
      if (record) events.push(record);
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  } finally {
    detach();
  }
  return events;
};

/**
 * The stream's events from `fromRevision` on, in order, undecoded; a stream that does not exist
 * (or was deleted) has none. Reads the whole tail: callers that fold state need every event.
 */
export const readEventEnvelopes = (client: EventStoreClient, streamName: string, fromRevision = 0n) =>
  collect(client, streamName, { fromRevision });

/**
 * The whole stream, as {@link readEventEnvelopes} reads it, for a reader that may hold at most
 * `maxEvents`: one more is read, and if it is there the read is refused rather than answered
 * from part of the log. It stops, cancelling its call, when `signal` aborts (the operation it
 * reads for timed out or lost its client).
 * @throws DomainError `LOG_TOO_LONG` when the stream has more than `maxEvents` events.
 * @throws the signal's reason once it has aborted.
 */
export const readBoundedEventEnvelopes = async (
  client: EventStoreClient,
  streamName: string,
  maxEvents: number,
  signal?: AbortSignal,
): Promise<EventEnvelope[]> => {
  const events = await collect(client, streamName, { fromRevision: 0n, maxCount: maxEvents + 1 }, signal);
  if (events.length > maxEvents) {
    throw new DomainError('LOG_TOO_LONG', `stream ${streamName} has more than ${maxEvents} events to read`);
  }
  return events;
};

/**
 * At most `maxCount` of the stream's events from `fromRevision` on, in order, undecoded: a page
 * is read from the store alone, never the whole stream, so a long stream costs a reader no more
 * than the page it asked for. Stops like {@link readBoundedEventEnvelopes} when `signal` aborts.
 * @throws the signal's reason once it has aborted.
 */
export const readEventEnvelopePage = (
  client: EventStoreClient,
  streamName: string,
  fromRevision: bigint,
  maxCount: number,
  signal?: AbortSignal,
) => collect(client, streamName, { fromRevision, maxCount }, signal);
