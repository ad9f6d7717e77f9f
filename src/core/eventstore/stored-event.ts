import type { ResolvedEvent } from '@eventstore/db-client';

/** An event as read back from the event store, before the domain decodes it. */
export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly streamName: string;
  readonly revision: bigint;
  readonly position: bigint;
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

/** A recorded event as esgraph's core sees it; undefined for an unresolved link. */
export const toStoredEvent = (resolved: ResolvedEvent): StoredEvent | undefined => {
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
