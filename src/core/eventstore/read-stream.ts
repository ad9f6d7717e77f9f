import { StreamNotFoundError } from '@eventstore/db-client';
import type { EventStoreClient } from './client.js';
import { type StoredEvent, toStoredEvent } from './stored-event.js';

/**
 * The stream's events from `fromRevision` on, in order; a stream that does not exist (or was
 * deleted) has none. Reads the whole tail: callers that fold state need every event.
 */
export const readStoredEvents = async (
  client: EventStoreClient,
  streamName: string,
  fromRevision = 0n,
): Promise<StoredEvent[]> => {
  const events: StoredEvent[] = [];
  try {
    for await (const resolved of client.readStream(streamName, { fromRevision })) {
      const stored = toStoredEvent(resolved);
      if (stored) events.push(stored);
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
  return events;
};
