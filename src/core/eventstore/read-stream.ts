import { StreamNotFoundError } from '@eventstore/db-client';
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
