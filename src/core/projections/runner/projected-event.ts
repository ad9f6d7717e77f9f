import type { ResolvedEvent } from '@eventstore/db-client';
import type { ProjectedEvent } from '../projection.js';

const metadataOf = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
    ? (value as Record<string, unknown>)
    : {};

/** An event from the $all subscription as a projection handler sees it; undefined for an unresolved link. */
export const toProjectedEvent = (resolved: ResolvedEvent): ProjectedEvent | undefined => {
  const { event } = resolved;
  if (!event) return undefined;
  return {
    type: event.type,
    data: event.data,
    metadata: metadataOf(event.metadata),
    streamId: event.streamId,
    revision: event.revision,
    position: event.position?.commit ?? resolved.commitPosition ?? 0n,
    eventId: event.id,
    created: event.created,
  };
};
