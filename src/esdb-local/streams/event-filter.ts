import type { EventRecord } from '../storage/storage.js';
import { InvalidArgumentError } from './errors.js';
import { EPOCH_INFORMATION_STREAM } from './system-names.js';

/** Decides whether an event of $all reaches the reader or subscriber. */
export type EventFilter = (record: EventRecord) => boolean;

/** A server-side filter as clients ask for it: on stream name or event type, by regex or prefixes. */
export interface FilterSpec {
  readonly on: 'stream-name' | 'event-type';
  /** Wins over `prefixes` when non-empty; matched anywhere in the name, as .NET's `Regex.IsMatch`. */
  readonly regex: string;
  readonly prefixes: readonly string[];
}

const PERSISTENT_ALL_PREFIX = '$persistentsubscription-$all::';

/**
 * What $all shows at all (EventStoreDB's `DefaultAllFilter`): everything but the epoch records
 * and the checkpoints and parked messages of persistent subscriptions to $all.
 */
export const isVisibleInAll: EventFilter = (record) => {
  const stream = record.streamId;
  if (stream.charCodeAt(0) !== 36 /* $ */) return true;
  if (stream === EPOCH_INFORMATION_STREAM) return false;
  return !(stream.startsWith(PERSISTENT_ALL_PREFIX) && (stream.endsWith('-checkpoint') || stream.endsWith('-parked')));
};

/** Compiles a client's filter; it never lets through what $all hides anyway. */
export const compileFilter = (spec: FilterSpec): EventFilter => {
  const field =
    spec.on === 'stream-name' ? (record: EventRecord) => record.streamId : (record: EventRecord) => record.type;
  let matches: (value: string) => boolean;
  if (spec.regex !== '') {
    let regex: RegExp;
    try {
      regex = new RegExp(spec.regex);
    } catch {
      throw new InvalidArgumentError(`'${spec.regex}' is not a valid regular expression`);
    }
    matches = (value) => regex.test(value);
  } else {
    const prefixes = [...spec.prefixes];
    matches = (value) => prefixes.some((prefix) => value.startsWith(prefix));
  }
  return (record) => isVisibleInAll(record) && matches(field(record));
};
