import { InvalidArgumentError } from '../streams/errors.js';
import type { ExpectedRevision } from '../streams/expected-revision.js';
import type { shared } from './generated.js';

/*
 * Reading the fields of incoming messages. 64-bit integers arrive as decimal strings; a UUID
 * arrives as a string or as two signed 64-bit halves, and both must be accepted.
 */

/** The stream name of an identifier, or InvalidArgument when it is missing or empty. */
export const streamNameOf = (identifier: shared.StreamIdentifier | undefined): string => {
  const name = identifier ? Buffer.from(identifier.getStreamName_asU8()).toString('utf8') : '';
  if (name === '') throw new InvalidArgumentError('Stream name must be provided');
  return name;
};

/** An unsigned 64-bit field, as a number when it fits (positions and revisions always do). */
export const uint64 = (text: string): number => {
  const value = BigInt(text);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
};

const HEX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const halfToHex = (half: bigint): string => BigInt.asUintN(64, half).toString(16).padStart(16, '0');

/** The UUID a structured message's two signed 64-bit halves spell, in canonical form. */
export const uuidOfHalves = (most: bigint, least: bigint): string => {
  const hex = halfToHex(most) + halfToHex(least);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** A UUID's string form, lower-cased; InvalidArgument quoting `shown` when it is not a UUID. */
export const canonicalUuid = (text: string, shown = text): string => {
  const lower = text.toLowerCase();
  if (!HEX.test(lower)) throw new InvalidArgumentError(`'${shown}' is not a valid UUID`);
  return lower;
};

/** A UUID in canonical lower-case form, from either wire form. */
export const uuidOf = (uuid: shared.UUID | undefined): string => {
  if (uuid?.hasStructured()) {
    const structured = uuid.getStructured()!;
    return uuidOfHalves(BigInt(structured.getMostSignificantBits()), BigInt(structured.getLeastSignificantBits()));
  }
  return canonicalUuid(uuid?.getString() ?? '');
};

/** The shape every request's expected-revision oneof shares. */
interface ExpectedRevisionFields {
  hasAny(): boolean;
  hasNoStream(): boolean;
  hasStreamExists(): boolean;
}

/** Reads an expected-revision oneof; `exact` reads the numeric case under its per-message name. */
export const expectedRevisionOf = (
  fields: ExpectedRevisionFields,
  exact: { has: boolean; value: () => string },
): ExpectedRevision => {
  if (exact.has) return uint64(exact.value());
  if (fields.hasNoStream()) return 'no_stream';
  if (fields.hasStreamExists()) return 'stream_exists';
  if (fields.hasAny()) return 'any';
  throw new InvalidArgumentError('Expected stream revision must be provided');
};
