import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDirectory } from './segments.js';
import type { StreamSnapshot } from './stream-index.js';

/*
 * The index checkpoint makes start-up fast: the stream index and chunk index as they stood when
 * the log ended at `coveredEnd`, so start-up loads it and replays only the log after it. It is
 * an optimisation, never the truth: any doubt about it (checksum, version, a log that does not
 * match its fingerprint) means a full scan of the log instead.
 *
 * Layout (little-endian): magic "ESDBIDX1" | version u32 | streamCount u32 | coveredEnd f64 |
 * headPosition f64 | lastFramePosition f64 (-1: none) | lastFrameCrc u32 | chunkCount u32 |
 * positionCount f64 | chunkStarts f64[] | positions f64[] (stream by stream) |
 * per stream: positionCount u32, nameLength u32, name utf8 | crc32 of all before u32
 */

const FILE_NAME = 'index.checkpoint';
const TEMP_FILE_NAME = 'index.checkpoint.tmp';
const MAGIC = 'ESDBIDX1';
const VERSION = 1;
const HEADER_BYTES = 56;

// Positions are copied as Float64Array memory, which is only the file's byte order on LE hosts.
if (os.endianness() !== 'LE') throw new Error('esdb-local disk storage needs a little-endian host');

/** What a checkpoint holds. */
export interface IndexCheckpoint {
  /** The log bytes it covers: a frame boundary, the end of the frame `lastFrame` names. */
  readonly coveredEnd: number;
  readonly headPosition: number;
  /** The last frame covered: start-up checks the log still has exactly this frame there. */
  readonly lastFrame: { readonly position: number; readonly crc: number } | undefined;
  readonly chunkStarts: Float64Array;
  readonly streams: Iterable<StreamSnapshot>;
}

/** Serialises a checkpoint (synchronously, so it is a consistent snapshot of the index). */
export const encodeIndexCheckpoint = (checkpoint: IndexCheckpoint): Buffer => {
  const streams = [...checkpoint.streams];
  let positionCount = 0;
  let tableBytes = 0;
  for (const stream of streams) {
    positionCount += stream.positions.length;
    tableBytes += 8 + Buffer.byteLength(stream.streamId);
  }
  const chunkCount = checkpoint.chunkStarts.length;
  const positionsAt = HEADER_BYTES + chunkCount * 8;
  const tableAt = positionsAt + positionCount * 8;
  // Buffer.alloc never comes from the shared pool, so its memory is 8-byte aligned for Float64Array.
  const bytes = Buffer.alloc(tableAt + tableBytes + 4);
  bytes.write(MAGIC, 0, 'latin1');
  bytes.writeUInt32LE(VERSION, 8);
  bytes.writeUInt32LE(streams.length, 12);
  bytes.writeDoubleLE(checkpoint.coveredEnd, 16);
  bytes.writeDoubleLE(checkpoint.headPosition, 24);
  bytes.writeDoubleLE(checkpoint.lastFrame?.position ?? -1, 32);
  bytes.writeUInt32LE(checkpoint.lastFrame?.crc ?? 0, 40);
  bytes.writeUInt32LE(chunkCount, 44);
  bytes.writeDoubleLE(positionCount, 48);
  new Float64Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, chunkCount).set(checkpoint.chunkStarts);
  const positions = new Float64Array(bytes.buffer, bytes.byteOffset + positionsAt, positionCount);
  let positionIndex = 0;
  let cursor = tableAt;
  for (const stream of streams) {
    positions.set(stream.positions, positionIndex);
    positionIndex += stream.positions.length;
    bytes.writeUInt32LE(stream.positions.length, cursor);
    const nameLength = bytes.write(stream.streamId, cursor + 8, 'utf8');
    bytes.writeUInt32LE(nameLength, cursor + 4);
    cursor += 8 + nameLength;
  }
  bytes.writeUInt32LE(crc32(bytes.subarray(0, cursor)), cursor);
  return bytes;
};

/** Parses a checkpoint, or explains why it cannot be used. Stream positions are views into `file`. */
export const decodeIndexCheckpoint = (file: Buffer): IndexCheckpoint | { readonly unusable: string } => {
  // Float64Array views need 8-byte alignment; small files may come from Node's shared pool.
  const bytes = file.byteOffset % 8 === 0 ? file : Buffer.from(file);
  if (bytes.length < HEADER_BYTES + 4 || bytes.toString('latin1', 0, 8) !== MAGIC)
    return { unusable: 'not a checkpoint' };
  if (bytes.readUInt32LE(8) !== VERSION) return { unusable: `version ${bytes.readUInt32LE(8)}` };
  const end = bytes.length - 4;
  if (crc32(bytes.subarray(0, end)) !== bytes.readUInt32LE(end)) return { unusable: 'checksum mismatch' };
  const streamCount = bytes.readUInt32LE(12);
  const lastFramePosition = bytes.readDoubleLE(32);
  const chunkCount = bytes.readUInt32LE(44);
  const positionCount = bytes.readDoubleLE(48);
  const positionsAt = HEADER_BYTES + chunkCount * 8;
  if (positionsAt + positionCount * 8 > end) return { unusable: 'truncated' };
  const positions = new Float64Array(bytes.buffer, bytes.byteOffset + positionsAt, positionCount);
  function* streams(): Generator<StreamSnapshot> {
    let cursor = positionsAt + positionCount * 8;
    let positionIndex = 0;
    for (let index = 0; index < streamCount; index++) {
      const count = bytes.readUInt32LE(cursor);
      const nameLength = bytes.readUInt32LE(cursor + 4);
      const streamId = bytes.toString('utf8', cursor + 8, cursor + 8 + nameLength);
      yield { streamId, positions: positions.subarray(positionIndex, positionIndex + count) };
      positionIndex += count;
      cursor += 8 + nameLength;
    }
  }
  return {
    coveredEnd: bytes.readDoubleLE(16),
    headPosition: bytes.readDoubleLE(24),
    lastFrame: lastFramePosition < 0 ? undefined : { position: lastFramePosition, crc: bytes.readUInt32LE(40) },
    chunkStarts: new Float64Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, chunkCount),
    streams: streams(),
  };
};

/** Reads the checkpoint file, or returns why there is none to use. Removes a half-written temp file. */
export const readIndexCheckpoint = (dir: string): IndexCheckpoint | { readonly unusable: string } => {
  fs.rmSync(path.join(dir, TEMP_FILE_NAME), { force: true });
  let file: Buffer;
  try {
    file = fs.readFileSync(path.join(dir, FILE_NAME));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { unusable: 'no checkpoint' };
    throw error;
  }
  return decodeIndexCheckpoint(file);
};

/**
 * Replaces the checkpoint atomically: a crash leaves either the old file or the new one, whole.
 * Write a temp file, fsync it, rename it over the old one, fsync the directory.
 */
export const writeIndexCheckpoint = async (dir: string, bytes: Buffer): Promise<void> => {
  const temp = path.join(dir, TEMP_FILE_NAME);
  const handle = await fs.promises.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temp, path.join(dir, FILE_NAME));
  await fsyncDirectory(dir);
};
