import type { DomainEvent } from './decider.js';
import type { EventEnvelope } from './eventstore/event-envelope.js';

/*
 * How a bounded context reads its stored events back: one decoder per event type, which turns
 * the data of every schema version ever written into the current shape. The command pipeline's
 * fold, the temporal queries and the projection runner all decode through the context's one
 * registry, so no reader can see an older shape or upcast it differently.
 */

/** A record whose data is in the current shape of its type. Distributes over a union of events. */
export type Recorded<Event extends DomainEvent> = Event extends DomainEvent
  ? EventEnvelope<Event['type'], Event['data']>
  : never;

/**
 * Stored data of one schema version → the type's current data. Each function names the stored
 * shape it reads as its parameter type (`(stored: DepositV1) => …`); `never` here is what lets
 * every such function fit. The shape is trusted, not checked: only our own code ever wrote it.
 */
export type Upcast<Data> = (stored: never) => Data;

/**
 * One event type's decoder: an upcast for each schema version from 1 to the current one, with
 * no gap. The highest is the version new events of the type are written with; it usually returns
 * its input as it is (`(stored: Data) => stored`), which costs readers nothing.
 */
export type EventDecoder<Data> = Readonly<Record<number, Upcast<Data>>>;

/** A decoder for every event type of the union: the compiler refuses a table that misses one. */
export type EventDecoderTable<Event extends DomainEvent> = {
  readonly [Type in Event['type']]: EventDecoder<Extract<Event, { readonly type: Type }>['data']>;
};

/** A stored event of a known type and version that cannot be read: a bug or a damaged log, never skipped. */
export class EventDecodingError extends Error {
  override readonly name = 'EventDecodingError';
}

/** A context's registry of decoders. */
export interface EventDecoders<Event extends DomainEvent> {
  /** Every event type the context knows. */
  readonly types: readonly Event['type'][];
  /** The schema version an event of this type is written with now (its metadata's `schemaVersion`). */
  versionOf(type: Event['type']): number;
  /**
   * The record with its data in the current shape. Undefined (skip it) for a type the context
   * does not know or a version above the decoder's: newer code wrote it, and this code cannot
   * know what it means. An event without `schemaVersion` in its metadata is read as version 1.
   * @throws EventDecodingError for a version that is not a whole number of at least 1, for data
   *   that is not a JSON object, or when the upcast throws.
   */
  decode(record: EventEnvelope): Recorded<Event> | undefined;
  /** Every record decoded, in order, skipping what `decode` skips. */
  decodeAll(records: readonly EventEnvelope[]): Recorded<Event>[];
}

interface TypeDecoder {
  readonly current: number;
  readonly versions: EventDecoder<unknown>;
}

const describe = (record: EventEnvelope): string =>
  `${record.type} event ${record.id} (${record.streamName}@${record.revision})`;

const typeDecoder = (type: string, versions: EventDecoder<unknown>): TypeDecoder => {
  const numbers = Object.keys(versions).map(Number);
  const current = Math.max(...numbers);
  if (numbers.length === 0 || numbers.some((n, index) => n !== index + 1)) {
    throw new Error(`the decoder of ${type} must have an upcast for each version from 1 up, got [${numbers}]`);
  }
  return { current, versions };
};

const schemaVersionOf = (record: EventEnvelope): number => {
  const { schemaVersion } = record.metadata;
  const version = schemaVersion === undefined ? 1 : schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new EventDecodingError(`${describe(record)} has schema version ${JSON.stringify(version)}`);
  }
  return version;
};

/** The registry of a context's decoders, one per event type. */
export const eventDecoders = <Event extends DomainEvent>(table: EventDecoderTable<Event>): EventDecoders<Event> => {
  const byType = new Map<string, TypeDecoder>(
    Object.entries<EventDecoder<unknown>>(table).map(([type, versions]) => [type, typeDecoder(type, versions)]),
  );
  const decode = (record: EventEnvelope): Recorded<Event> | undefined => {
    const decoder = byType.get(record.type);
    if (decoder === undefined) return undefined;
    const version = schemaVersionOf(record);
    if (version > decoder.current) return undefined;
    const { data } = record;
    if (typeof data !== 'object' || data === null || Array.isArray(data) || data instanceof Uint8Array) {
      throw new EventDecodingError(`${describe(record)} does not hold a JSON object`);
    }
    let upcast: unknown;
    try {
      upcast = (decoder.versions[version] as (stored: object) => unknown)(data);
    } catch (error) {
      throw new EventDecodingError(`${describe(record)} of schema version ${version} cannot be upcast`, {
        cause: error,
      });
    }
    // The current version usually passes its data through: the record itself is then the answer.
    return (upcast === data ? record : { ...record, data: upcast }) as Recorded<Event>;
  };
  return {
    types: [...byType.keys()] as Event['type'][],
    versionOf(type) {
      const decoder = byType.get(type);
      if (decoder === undefined) throw new Error(`no decoder is registered for event type ${type}`);
      return decoder.current;
    },
    decode,
    decodeAll: (records) =>
      records.flatMap((record) => {
        const decoded = decode(record);
        return decoded === undefined ? [] : [decoded];
      }),
  };
};
