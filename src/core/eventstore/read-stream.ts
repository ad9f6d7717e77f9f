import { StreamNotFoundError } from '@eventstore/db-client';
import type { EventStoreClient } from './client.js';
import { type EventEnvelope, toEventEnvelope } from './event-envelope.js';

/**
 * The stream's events from `fromRevision` on, in order, undecoded; a stream that does not exist
 * (or was deleted) has none. Reads the whole tail: callers that fold state need every event.
 */
export const readEventEnvelopes = async (
  client: EventStoreClient,
  streamName: string,
  fromRevision = 0n,
): Promise<EventEnvelope[]> => {
  const events: EventEnvelope[] = [];
  try {
    for await (const resolved of client.readStream(streamName, { fromRevision })) {
      const record = toEventEnvelope(resolved);
      if (record) events.push(record);
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
  return events;
};
