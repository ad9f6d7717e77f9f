/*
 * Just enough of the protobuf wire format to read and write the hottest messages by hand
 * (events read and delivered, BatchAppend requests and answers): google-protobuf's message
 * objects cost more than the rest of those paths together. Field numbers live with each message.
 */

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;

const TWO_POW_32 = 2 ** 32;

/** Reads one message's fields in order; nested messages are read with a reader of their own. */
export class ProtoReader {
  #offset: number;

  constructor(
    private readonly buffer: Uint8Array,
    start = 0,
    private readonly end = buffer.length,
  ) {
    this.#offset = start;
  }

  /** The next field's number and wire type, or undefined at the end of the message. */
  next(): { readonly field: number; readonly wireType: number } | undefined {
    if (this.#offset >= this.end) return undefined;
    const key = this.varint();
    return { field: Math.floor(key / 8), wireType: key & 7 };
  }

  /** An unsigned varint; exact up to 2^53, which every length, count, revision and position stays below. */
  varint(): number {
    const [low, high] = this.varint64();
    return high * TWO_POW_32 + low;
  }

  /** A varint as its two unsigned 32-bit halves, for 64-bit values that must stay exact. */
  varint64(): [low: number, high: number] {
    let low = 0;
    let high = 0;
    let shift = 0;
    for (;;) {
      if (this.#offset >= this.end) throw new RangeError('protobuf message ends inside a varint');
      const byte = this.buffer[this.#offset++]!;
      if (shift < 28) low |= (byte & 0x7f) << shift;
      else if (shift === 28) {
        low |= (byte & 0x0f) << 28;
        high |= (byte & 0x7f) >>> 4;
      } else high |= (byte & 0x7f) << (shift - 32);
      if ((byte & 0x80) === 0) return [low >>> 0, high >>> 0];
      shift += 7;
      if (shift > 63) throw new RangeError('protobuf varint longer than 64 bits');
    }
  }

  /** A signed 64-bit varint (int64), exactly. */
  int64(): bigint {
    const [low, high] = this.varint64();
    return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low));
  }

  /** A length-delimited field's bytes: a view, not a copy. */
  bytes(): Uint8Array {
    const length = this.varint();
    const start = this.#offset;
    if (start + length > this.end) throw new RangeError('protobuf field runs past its message');
    this.#offset += length;
    return this.buffer.subarray(start, start + length);
  }

  string(): string {
    const bytes = this.bytes();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  /** Skips a field of a type this reader has no use for. */
  skip(wireType: number): void {
    if (wireType === VARINT) this.varint64();
    else if (wireType === LENGTH_DELIMITED) this.bytes();
    else if (wireType === FIXED64) this.#offset += 8;
    else if (wireType === FIXED32) this.#offset += 4;
    else throw new RangeError(`unsupported protobuf wire type ${wireType}`);
  }
}

/** Writes into a buffer sized beforehand (see the size functions below). */
export class ProtoWriter {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  varint(value: number | bigint): void {
    if (typeof value === 'number' && value < 0x10000000) {
      let remaining = value;
      while (remaining >= 0x80) {
        this.buffer[this.offset++] = (remaining & 0x7f) | 0x80;
        remaining >>>= 7;
      }
      this.buffer[this.offset++] = remaining;
      return;
    }
    let remaining = BigInt(value);
    while (remaining >= 0x80n) {
      this.buffer[this.offset++] = Number(remaining & 0x7fn) | 0x80;
      remaining >>= 7n;
    }
    this.buffer[this.offset++] = Number(remaining);
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.header(field, bytes.byteLength);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.byteLength;
  }

  /** The key and length of a length-delimited field whose content the caller writes next. */
  header(field: number, length: number): void {
    this.varint(tag(field, LENGTH_DELIMITED));
    this.varint(length);
  }

  uint(field: number, value: number | bigint): void {
    this.varint(tag(field, VARINT));
    this.varint(value);
  }
}

export const tag = (field: number, wireType: number): number => (field << 3) | wireType;

const bigVarintSize = (value: number | bigint): number => {
  let remaining = BigInt(value);
  let size = 1;
  while (remaining >= 0x80n) {
    remaining >>= 7n;
    size++;
  }
  return size;
};

/** Bytes a varint takes; small numbers (every tag and length, most positions) skip BigInt. */
export const varintSize = (value: number | bigint): number => {
  if (typeof value === 'number') {
    if (value < 0x80) return 1;
    if (value < 0x4000) return 2;
    if (value < 0x200000) return 3;
    if (value < 0x10000000) return 4;
  }
  return bigVarintSize(value);
};

/** Bytes a length-delimited field of a one-byte key takes, content included. */
export const delimitedSize = (length: number): number => 1 + varintSize(length) + length;

/** Bytes a varint field of a one-byte key takes. */
export const uintFieldSize = (value: number | bigint): number => 1 + varintSize(value);
