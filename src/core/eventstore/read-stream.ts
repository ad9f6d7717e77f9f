import { StreamNotFoundError } from '@eventstore/db-client';
import { DomainError } from '../errors.js';
import type { EventStoreClient } from './client.js';
import { type EventEnvelope, toEventEnvelope } from './event-envelope.js';

/** The events one read answers, in order; a stream that does not exist (or was deleted) has none. */
const collect = async (
  client: EventStoreClient,
  streamName: string,
  options: { fromRevision: bigint; maxCount?: number },
): Promise<EventEnvelope[]> => {
  const events: EventEnvelope[] = [];
  try {
    for await (const resolved of client.readStream(streamName, options)) {
      const record = toEventEnvelope(resolved);
      if (record) events.push(record);
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
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
 * from part of the log.
 * @throws DomainError `LOG_TOO_LONG` when the stream has more than `maxEvents` events.
 */
export const readBoundedEventEnvelopes = async (
  client: EventStoreClient,
  streamName: string,
  maxEvents: number,
): Promise<EventEnvelope[]> => {
  const events = await collect(client, streamName, { fromRevision: 0n, maxCount: maxEvents + 1 });
  if (events.length > maxEvents) {
    throw new DomainError('LOG_TOO_LONG', `stream ${streamName} has more than ${maxEvents} events to read`);
  }
  return events;
};

/**
 * At most `maxCount` of the stream's events from `fromRevision` on, in order, undecoded: a page
 * is read from the store alone, never the whole stream, so a long stream costs a reader no more
 * than the page it asked for.
 */
export const readEventEnvelopePage = (
  client: EventStoreClient,
  streamName: string,
  fromRevision: bigint,
  maxCount: number,
) => collect(client, streamName, { fromRevision, maxCount });
