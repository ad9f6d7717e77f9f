import type { RedisOp } from './projection.js';

/**
 * Every kind of write op, in one table: the commit script's command for it, how its arguments
 * are spelled, and how a run of it on one key compacts. A new `RedisOp` kind is one entry here
 * (the mapped type below refuses to compile without it) and one in the script's `commands` table
 * (commit-script.ts); test/integration/read-side/op-tables.test.ts checks the two agree.
 */

/** The batch cannot be applied as written (a handler bug); nothing was written. Retrying will not help. */
export class BatchRejectedError extends Error {
  override readonly name = 'BatchRejectedError';
}

/** A write op (a `notify` is published, not written). */
export type WriteOp = Exclude<RedisOp, { kind: 'notify' }>;

/** What the commit encodes: the write ops, with runs of ZADDs to one key folded into one. */
export type CompactOp =
  | WriteOp
  | { readonly kind: 'zAddMany'; readonly key: string; readonly entries: readonly (readonly [number, string])[] };

type OpOfKind<Kind extends CompactOp['kind']> = Extract<CompactOp, { kind: Kind }>;

export interface OpKind<Op extends CompactOp> {
  /** The commit script's command; `hset` and `zaddn` take a pair count, then the pairs. */
  readonly command: string;
  /** The arguments after the key. Throws BatchRejectedError on what Redis would refuse or round. */
  readonly encode: (op: Op) => readonly string[];
  /**
   * Folds a run of consecutive ops of this kind on one key (no other op on that key between)
   * into fewer with the same end state. Absent: the run is kept as it is.
   */
  readonly compact?: (run: readonly Op[]) => readonly CompactOp[];
}

// INCRBY takes a 64-bit integer, but a JS number is exact only to 2^53: refuse what would round.
const integer = (value: number, op: CompactOp): string => {
  if (!Number.isSafeInteger(value))
    throw new BatchRejectedError(`${op.kind} on ${op.key}: ${value} is not a safe integer`);
  return String(value);
};

// String(Infinity) is "Infinity", which ZADD refuses; Redis spells it "+inf".
const score = (value: number, op: CompactOp): string => {
  if (Number.isNaN(value)) throw new BatchRejectedError(`${op.kind} on ${op.key}: the score is NaN`);
  if (value === Number.POSITIVE_INFINITY) return '+inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  return String(value);
};

const hashFields = (fields: Readonly<Record<string, string | number>>, op: CompactOp): string[] => {
  const entries = Object.entries(fields);
  // HSET with no field is a syntax error, which inside the script would abort a half-applied batch.
  if (entries.length === 0) throw new BatchRejectedError(`hSet on ${op.key} sets no field`);
  return [String(entries.length), ...entries.flatMap(([field, value]) => [field, String(value)])];
};

/** Sums of increments, split where a sum would no longer be a safe integer. */
const sumIncrements = <Op extends { readonly by: number }>(run: readonly Op[], group: (op: Op) => string): Op[] => {
  const out: Op[] = [];
  const open = new Map<string, number>();
  for (const op of run) {
    const at = open.get(group(op));
    const merged = at === undefined ? undefined : out[at]!;
    if (merged && Number.isSafeInteger(merged.by + op.by)) {
      out[at!] = { ...merged, by: merged.by + op.by };
    } else {
      out.push(op);
      open.set(group(op), out.length - 1);
    }
  }
  return out;
};

export const opKinds: { readonly [Kind in CompactOp['kind']]: OpKind<OpOfKind<Kind>> } = {
  set: { command: 'set', encode: (op) => [op.value] },
  del: { command: 'del', encode: () => [] },
  incrBy: {
    command: 'incrby',
    encode: (op) => [integer(op.by, op)],
    compact: (run) => sumIncrements(run, () => ''),
  },
  hSet: {
    command: 'hset',
    encode: (op) => hashFields(op.fields, op),
    // One HSET, the later value of a field winning.
    compact: (run) => [{ kind: 'hSet', key: run[0]!.key, fields: Object.assign({}, ...run.map((op) => op.fields)) }],
  },
  hIncrBy: {
    command: 'hincrby',
    encode: (op) => [op.field, integer(op.by, op)],
    // Per field: a run of increments to a few fields of one hash (totals) becomes one per field.
    compact: (run) => sumIncrements(run, (op) => op.field),
  },
  hDel: { command: 'hdel', encode: (op) => [op.field] },
  zAdd: {
    command: 'zadd',
    encode: (op) => [score(op.score, op), op.member],
    compact: (run) =>
      run.length === 1
        ? run
        : [{ kind: 'zAddMany', key: run[0]!.key, entries: run.map((op) => [op.score, op.member]) }],
  },
  zAddMany: {
    command: 'zaddn',
    encode: (op) => [String(op.entries.length), ...op.entries.flatMap(([at, member]) => [score(at, op), member])],
  },
  zRem: { command: 'zrem', encode: (op) => [op.member] },
  sAdd: { command: 'sadd', encode: (op) => [op.member] },
  sRem: { command: 'srem', encode: (op) => [op.member] },
  lPush: { command: 'lpush', encode: (op) => [op.value] },
};

/** The op's kind entry; a kind the table lacks (data from outside the types) is rejected. */
export const opKindOf = <Op extends CompactOp>(op: Op): OpKind<Op> => {
  const kind = (opKinds as Readonly<Record<string, OpKind<Op> | undefined>>)[op.kind];
  if (!kind) throw new BatchRejectedError(`unknown op ${JSON.stringify(op)}`);
  return kind;
};
