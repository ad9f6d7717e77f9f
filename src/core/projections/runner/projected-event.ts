import type { ResolvedEvent } from '@eventstore/db-client';
import { metadataOf, positionOf } from '../../eventstore/stored-event.js';
import type { ProjectedEvent } from '../projection.js';

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
    position: positionOf(resolved),
    eventId: event.id,
    created: event.created,
  };
};
