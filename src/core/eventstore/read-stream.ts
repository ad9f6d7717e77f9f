import { type ResolvedEvent, StreamNotFoundError } from '@eventstore/db-client';
import type { StoredEvent } from '../commands/aggregate.js';
import type { EventStoreClient } from './client.js';

const asRecord = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** A recorded event as esgraph's core sees it; undefined for an unresolved link. */
export const toStoredEvent = (resolved: ResolvedEvent): StoredEvent | undefined => {
  const event = resolved.event;
  if (!event) return undefined;
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: asRecord(event.metadata),
    streamName: event.streamId,
    revision: event.revision,
    position: event.position?.commit ?? resolved.commitPosition ?? 0n,
    created: event.created,
  };
};

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
