import type { EventRecord } from '../storage/storage.js';
import type { ResolvedEvent } from '../streams/resolved-event.js';
import { originalRecord } from '../streams/resolved-event.js';
import { STREAM_DELETED_EVENT_TYPE, TOMBSTONE_REVISION } from '../streams/system-names.js';
import { delimitedSize, ProtoWriter, uintFieldSize } from './protobuf-wire.js';

/*
 * `ReadResp { event: ReadEvent }` written straight to protobuf bytes. Reads and subscriptions
 * send little else, and building google-protobuf message objects for every event costs more
 * than the rest of the read path together. Field numbers are those of streams.proto:
 *
 *   ReadResp       1 event (ReadEvent)
 *   ReadEvent      1 event, 2 link (RecordedEvent), 3 commit_position (uint64)
 *   RecordedEvent  1 id (UUID), 2 stream_identifier, 3 stream_revision, 4 prepare_position,
 *                  5 commit_position, 6 metadata (map<string,string>), 7 custom_metadata, 8 data
 *   UUID           1 structured { 1 most_significant_bits, 2 least_significant_bits }, 2 string
 *   StreamIdentifier 3 stream_name (bytes)
 */

const CONTENT_TYPE_JSON = Buffer.from('application/json');
const CONTENT_TYPE_BYTES = Buffer.from('application/octet-stream');
const KEY_TYPE = Buffer.from('type');
const KEY_CONTENT_TYPE = Buffer.from('content-type');
const KEY_CREATED = Buffer.from('created');

/** What an event looks like once its strings are bytes and its sizes are known. */
interface PreparedRecord {
  readonly record: EventRecord;
  readonly id: Buffer;
  readonly streamName: Buffer;
  readonly revision: number | bigint;
  readonly type: Buffer;
  readonly contentType: Buffer;
  readonly created: Buffer;
  readonly idSize: number;
  readonly metadataEntrySizes: readonly [number, number, number];
  readonly size: number;
}

/** 16 bytes of a canonical UUID string as the two signed 64-bit halves the structured form wants. */
const structuredHalves = (uuid: string): [bigint, bigint] => {
  const hex = uuid.replaceAll('-', '');
  return [BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)), BigInt.asIntN(64, BigInt(`0x${hex.slice(16)}`))];
};

/** A negative int64 is sent as its 64-bit two's complement: ten bytes of varint. */
const int64Wire = (value: bigint): bigint => BigInt.asUintN(64, value);

const structuredIdBody = (uuid: string): { size: number; halves: [bigint, bigint] } => {
  const halves = structuredHalves(uuid).map(int64Wire) as [bigint, bigint];
  return { size: uintFieldSize(halves[0]) + uintFieldSize(halves[1]), halves };
};

const entrySize = (key: Buffer, value: Buffer): number => delimitedSize(key.length) + delimitedSize(value.length);

const prepare = (record: EventRecord, structuredIds: boolean): PreparedRecord => {
  const id = Buffer.from(record.eventId, 'latin1');
  const streamName = Buffer.from(record.streamId, 'utf8');
  // EventStoreDB reports a tombstone at revision long.MaxValue, whatever revision it took.
  const revision = record.type === STREAM_DELETED_EVENT_TYPE ? TOMBSTONE_REVISION : record.revision;
  const type = Buffer.from(record.type, 'utf8');
  const contentType = record.isJson ? CONTENT_TYPE_JSON : CONTENT_TYPE_BYTES;
  const created = Buffer.from(record.created.toString(), 'latin1');
  const idSize = structuredIds ? delimitedSize(structuredIdBody(record.eventId).size) : delimitedSize(id.length);
  const metadataEntrySizes: [number, number, number] = [
    entrySize(KEY_TYPE, type),
    entrySize(KEY_CONTENT_TYPE, contentType),
    entrySize(KEY_CREATED, created),
  ];
  const size =
    delimitedSize(idSize) +
    delimitedSize(delimitedSize(streamName.length)) +
    uintFieldSize(revision) +
    2 * uintFieldSize(record.position) +
    metadataEntrySizes.reduce((sum, entry) => sum + delimitedSize(entry), 0) +
    delimitedSize(record.metadata.byteLength) +
    delimitedSize(record.data.byteLength);
  return { record, id, streamName, revision, type, contentType, created, idSize, metadataEntrySizes, size };
};

const writeRecorded = (writer: ProtoWriter, field: number, prepared: PreparedRecord, structuredIds: boolean): void => {
  const { record } = prepared;
  writer.header(field, prepared.size);
  writer.header(1, prepared.idSize);
  if (structuredIds) {
    const { size, halves } = structuredIdBody(record.eventId);
    writer.header(1, size);
    writer.uint(1, halves[0]);
    writer.uint(2, halves[1]);
  } else {
    writer.bytes(2, prepared.id);
  }
  writer.header(2, delimitedSize(prepared.streamName.length));
  writer.bytes(3, prepared.streamName);
  writer.uint(3, prepared.revision);
  writer.uint(4, record.position);
  writer.uint(5, record.position);
  const entries: [Buffer, Buffer][] = [
    [KEY_TYPE, prepared.type],
    [KEY_CONTENT_TYPE, prepared.contentType],
    [KEY_CREATED, prepared.created],
  ];
  entries.forEach(([key, value], index) => {
    writer.header(6, prepared.metadataEntrySizes[index]!);
    writer.bytes(1, key);
    writer.bytes(2, value);
  });
  writer.bytes(7, record.metadata);
  writer.bytes(8, record.data);
};

/**
 * Encodes `ReadResp { event }` for one read or delivered event. The commit position of the
 * ReadEvent is that of the record actually read (the link, when one was followed).
 */
export const encodeEventResponse = (resolved: ResolvedEvent, structuredIds: boolean): Buffer => {
  const event = resolved.event && prepare(resolved.event, structuredIds);
  const link = resolved.link && prepare(resolved.link, structuredIds);
  const commitPosition = originalRecord(resolved).position;
  const readEventSize =
    (event ? delimitedSize(event.size) : 0) + (link ? delimitedSize(link.size) : 0) + uintFieldSize(commitPosition);
  const buffer = Buffer.allocUnsafe(delimitedSize(readEventSize));
  const writer = new ProtoWriter(buffer);
  writer.header(1, readEventSize);
  if (event) writeRecorded(writer, 1, event, structuredIds);
  if (link) writeRecorded(writer, 2, link, structuredIds);
  writer.uint(3, commitPosition);
  if (writer.offset !== buffer.length) throw new Error('event encoding size mismatch');
  return buffer;
};
