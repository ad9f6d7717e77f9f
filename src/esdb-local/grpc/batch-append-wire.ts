import { InvalidArgumentError } from '../streams/errors.js';
import type { ExpectedRevision } from '../streams/expected-revision.js';
import type { ProposedEvent, WriteResult } from '../streams/stream-writer.js';
import { proposedEvent } from './proposed-events.js';
import { delimitedSize, LENGTH_DELIMITED, ProtoReader, ProtoWriter, uintFieldSize, VARINT } from './protobuf-wire.js';
import { canonicalUuid, uuidOfHalves } from './request-fields.js';

/*
 * BatchAppend's messages read and written by hand: every append of a client that takes the
 * fast path goes through here. Field numbers are those of streams.proto and shared.proto:
 *
 *   BatchAppendReq   1 correlation_id (UUID), 2 options, 3 proposed_messages (repeated), 4 is_final
 *     Options        1 stream_identifier, 2 stream_position (uint64) | 3 no_stream | 4 any |
 *                    5 stream_exists, 6 deadline_21_10_0 (Timestamp) | 7 deadline (Duration)
 *     ProposedMessage 1 id (UUID), 2 metadata (map<string,string>), 3 custom_metadata, 4 data
 *   BatchAppendResp  1 correlation_id, 2 error (google.rpc.Status) | 3 success, 4 stream_identifier
 *     Success        1 current_revision (uint64) | 2 no_stream, 3 position | 4 no_position
 *   AllStreamPosition 1 commit_position, 2 prepare_position
 *   UUID             1 structured { 1 most_significant_bits, 2 least_significant_bits } | 2 string
 *   StreamIdentifier 3 stream_name (bytes)
 */

/** The options that open a write: which stream, what it expects, until when. */
export interface BatchAppendOptions {
  /** The stream name's bytes as sent (echoed in answers); `streamId` decodes them. */
  readonly streamName: Uint8Array;
  readonly streamId: string;
  /** Undefined when the request named no expectation (a malformed request). */
  readonly expected: ExpectedRevision | undefined;
  /** When the write must be complete, in epoch milliseconds; undefined for no deadline. */
  readonly deadline: number | undefined;
}

/** One BatchAppendReq: part or all of one write, identified by its correlation id. */
export interface BatchAppendRequest {
  /** The correlation id's UUID message as sent, echoed verbatim in the answer. */
  readonly correlationId: Uint8Array;
  /** The correlation id in canonical form, which keys a write spread over several messages. */
  readonly correlationKey: string;
  readonly options: BatchAppendOptions | undefined;
  /** The proposed messages, still encoded: `proposedEventOfWire` reads each. */
  readonly proposedMessages: readonly Uint8Array[];
  readonly isFinal: boolean;
}

/** A UUID message in canonical lower-case form, from either of its two shapes. */
const uuidOfWire = (message: Uint8Array): string => {
  const reader = new ProtoReader(message);
  let text = '';
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.field === 2 && field.wireType === LENGTH_DELIMITED) {
      text = reader.string().toLowerCase();
    } else if (field.field === 1 && field.wireType === LENGTH_DELIMITED) {
      const structured = new ProtoReader(reader.bytes());
      let most = 0n;
      let least = 0n;
      for (let half = structured.next(); half; half = structured.next()) {
        if (half.field === 1 && half.wireType === VARINT) most = structured.int64();
        else if (half.field === 2 && half.wireType === VARINT) least = structured.int64();
        else structured.skip(half.wireType);
      }
      text = uuidOfHalves(most, least);
    } else reader.skip(field.wireType);
  }
  return canonicalUuid(text);
};

/** A Timestamp or Duration's seconds and nanos, as milliseconds. */
const millisecondsOf = (message: Uint8Array): number => {
  const reader = new ProtoReader(message);
  let seconds = 0;
  let nanos = 0;
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.field === 1 && field.wireType === VARINT) seconds = Number(reader.int64());
    else if (field.field === 2 && field.wireType === VARINT) nanos = Number(reader.int64());
    else reader.skip(field.wireType);
  }
  return seconds * 1000 + nanos / 1e6;
};

const streamNameOfIdentifier = (message: Uint8Array): Uint8Array => {
  const reader = new ProtoReader(message);
  let name: Uint8Array = new Uint8Array(0);
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.field === 3 && field.wireType === LENGTH_DELIMITED) name = reader.bytes();
    else reader.skip(field.wireType);
  }
  return name;
};

const EXPECTATIONS: readonly ExpectedRevision[] = ['no_stream', 'any', 'stream_exists'];

const optionsOf = (message: Uint8Array): BatchAppendOptions => {
  const reader = new ProtoReader(message);
  let streamName: Uint8Array = new Uint8Array(0);
  let expected: ExpectedRevision | undefined;
  let deadline: number | undefined;
  for (let next = reader.next(); next; next = reader.next()) {
    const { field, wireType } = next;
    if (wireType === VARINT && field === 2) expected = Math.min(reader.varint(), Number.MAX_SAFE_INTEGER);
    else if (wireType !== LENGTH_DELIMITED) reader.skip(wireType);
    else if (field === 1) streamName = streamNameOfIdentifier(reader.bytes());
    else if (field >= 3 && field <= 5) {
      reader.bytes();
      expected = EXPECTATIONS[field - 3];
    } else if (field === 6) deadline = millisecondsOf(reader.bytes());
    else if (field === 7) deadline = Date.now() + millisecondsOf(reader.bytes());
    else reader.skip(wireType);
  }
  const streamId = Buffer.from(streamName.buffer, streamName.byteOffset, streamName.byteLength).toString('utf8');
  return { streamName, streamId, expected, deadline };
};

/** Reads a BatchAppendReq; the proposed messages stay encoded until the write needs them. */
export const decodeBatchAppendRequest = (bytes: Uint8Array): BatchAppendRequest => {
  const reader = new ProtoReader(bytes);
  let correlationId: Uint8Array = new Uint8Array(0);
  let options: BatchAppendOptions | undefined;
  const proposedMessages: Uint8Array[] = [];
  let isFinal = false;
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.field === 1 && field.wireType === LENGTH_DELIMITED) correlationId = reader.bytes();
    else if (field.field === 2 && field.wireType === LENGTH_DELIMITED) options = optionsOf(reader.bytes());
    else if (field.field === 3 && field.wireType === LENGTH_DELIMITED) proposedMessages.push(reader.bytes());
    else if (field.field === 4 && field.wireType === VARINT) isFinal = reader.varint() !== 0;
    else reader.skip(field.wireType);
  }
  return { correlationId, correlationKey: uuidOfWire(correlationId), options, proposedMessages, isFinal };
};

/** A proposed message as the writer takes it; throws the client-facing error for a malformed one. */
export const proposedEventOfWire = (message: Uint8Array): ProposedEvent => {
  const reader = new ProtoReader(message);
  let eventId: string | undefined;
  let type: string | undefined;
  let contentType: string | undefined;
  let metadata: Uint8Array = new Uint8Array(0);
  let data: Uint8Array = new Uint8Array(0);
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.wireType !== LENGTH_DELIMITED) reader.skip(field.wireType);
    else if (field.field === 1) eventId = uuidOfWire(reader.bytes());
    else if (field.field === 2) {
      const entry = new ProtoReader(reader.bytes());
      let key = '';
      let value = '';
      for (let part = entry.next(); part; part = entry.next()) {
        if (part.field === 1 && part.wireType === LENGTH_DELIMITED) key = entry.string();
        else if (part.field === 2 && part.wireType === LENGTH_DELIMITED) value = entry.string();
        else entry.skip(part.wireType);
      }
      if (key === 'type') type = value;
      else if (key === 'content-type') contentType = value;
    } else if (field.field === 3) metadata = reader.bytes();
    else if (field.field === 4) data = reader.bytes();
    else reader.skip(field.wireType);
  }
  return proposedEvent({
    type,
    contentType,
    eventId: () => {
      if (eventId === undefined) throw new InvalidArgumentError('Event id must be provided');
      return eventId;
    },
    data,
    metadata,
  });
};

const EMPTY_MESSAGE_SIZE = delimitedSize(0);

/**
 * The BatchAppendResp for a successful write: its correlation id and stream as sent, the
 * stream's revision now and the $all position of the last event written.
 */
export const encodeBatchAppendSuccess = (
  correlationId: Uint8Array,
  streamName: Uint8Array,
  result: WriteResult,
): Buffer => {
  const position = result.position;
  const positionSize = position === undefined ? 0 : 2 * uintFieldSize(position);
  const successSize =
    (result.revision < 0 ? EMPTY_MESSAGE_SIZE : uintFieldSize(result.revision)) +
    (position === undefined ? EMPTY_MESSAGE_SIZE : delimitedSize(positionSize));
  const identifierSize = delimitedSize(streamName.byteLength);
  const buffer = Buffer.allocUnsafe(
    delimitedSize(correlationId.byteLength) + delimitedSize(successSize) + delimitedSize(identifierSize),
  );
  const writer = new ProtoWriter(buffer);
  writer.bytes(1, correlationId);
  writer.header(3, successSize);
  if (result.revision < 0) writer.header(2, 0);
  else writer.uint(1, result.revision);
  if (position === undefined) {
    writer.header(4, 0);
  } else {
    writer.header(3, positionSize);
    writer.uint(1, position);
    writer.uint(2, position);
  }
  writer.header(4, identifierSize);
  writer.bytes(3, streamName);
  if (writer.offset !== buffer.length) throw new Error('BatchAppend answer size mismatch');
  return buffer;
};
