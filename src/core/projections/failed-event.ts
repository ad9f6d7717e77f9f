import type { EventEnvelope } from '../eventstore/event-envelope.js';
import { formatPosition, parsePosition } from './checkpoint.js';

/**
 * What a projection records of an event it gave up on, whether it parked it or halted at it:
 * stored as a Redis hash of strings, readable with HGETALL from redis-cli. Its field names
 * (`eventId`, `streamId`) are the stored format's, older than the event envelope's.
 */
export interface FailedEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: bigint;
  /** The event's $all position. */
  readonly position: bigint;
  readonly type: string;
  /** The last failure's message, cut to a few KB. */
  readonly error: string;
  readonly attempts: number;
}

const maxErrorLength = 4_000;

/** The record of `error` after `attempts` failed attempts at `event`. */
export const failedEvent = (
  event: Pick<EventEnvelope, 'id' | 'streamName' | 'revision' | 'position' | 'type'>,
  error: unknown,
  attempts: number,
): FailedEvent => ({
  eventId: event.id,
  streamId: event.streamName,
  revision: event.revision,
  position: event.position,
  type: event.type,
  error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  attempts,
});

/** The hash fields of a record, `when` (parkedAt, haltedAt) among them. */
export const failedEventFields = (event: FailedEvent, when: readonly [field: string, at: Date]): string[] =>
  Object.entries({
    eventId: event.eventId,
    streamId: event.streamId,
    revision: event.revision.toString(),
    position: formatPosition(event.position),
    type: event.type,
    error: event.error.slice(0, maxErrorLength),
    attempts: String(event.attempts),
    [when[0]]: when[1].toISOString(),
  }).flat();

/** A record read back from its hash. */
export const readFailedEvent = (hash: Readonly<Record<string, string>>): FailedEvent => ({
  eventId: hash.eventId ?? '',
  streamId: hash.streamId ?? '',
  revision: BigInt(hash.revision ?? '0'),
  position: parsePosition(hash.position ?? '0'),
  type: hash.type ?? '',
  error: hash.error ?? '',
  attempts: Number(hash.attempts ?? '0'),
});
