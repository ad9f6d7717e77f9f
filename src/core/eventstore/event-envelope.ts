import type { ResolvedEvent } from '@eventstore/db-client';

/**
 * An event as esgraph reads it back from the event store: the one shape the command pipeline's
 * fold, the temporal queries and the projections all see. Straight from the store its data is
 * whatever was stored (`EventEnvelope`); a context's {@link EventDecoders} turn it into
 * `Recorded<Event>`, the same envelope with its data upcast to the current shape.
 */
export interface EventEnvelope<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly type: Type;
  readonly data: Data;
  /** Command id, correlation and causation ids, the schema version the data was written in. */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly streamName: string;
  /** The event's revision in its stream. */
  readonly revision: bigint;
  /** The event's commit position in $all; what `consistentWith` tokens compare against. */
  readonly position: bigint;
  /** When the event store recorded it. */
  readonly created: Date;
}

/** Metadata as a record: JSON metadata is one; binary or missing metadata counts as empty. */
export const metadataOf = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
    ? (value as Record<string, unknown>)
    : {};

/** Where a resolved event sits in $all: its own position, else the one the read reported. */
export const positionOf = (resolved: ResolvedEvent): bigint =>
  resolved.event?.position?.commit ?? resolved.commitPosition ?? 0n;

/** A resolved event from a stream read or the $all subscription as a record; undefined for an unresolved link. */
export const toEventEnvelope = (resolved: ResolvedEvent): EventEnvelope | undefined => {
  const event = resolved.event;
  if (!event) return undefined;
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: metadataOf(event.metadata),
    streamName: event.streamId,
    revision: event.revision,
    position: positionOf(resolved),
    created: event.created,
  };
};
