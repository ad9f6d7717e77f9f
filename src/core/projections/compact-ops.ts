import type { RedisOp } from './projection.js';

/** A write op (a `notify` is published, not written). */
export type WriteOp = Exclude<RedisOp, { kind: 'notify' }>;

/** What the commit encodes: the write ops, with runs of ZADDs to one key folded into one. */
export type CompactOp =
  | WriteOp
  | { readonly kind: 'zAddMany'; readonly key: string; readonly entries: readonly (readonly [number, string])[] };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The tail of one key's ops in the output, while it can still absorb the next op on that key. */
interface KeyTail {
  readonly kind: WriteOp['kind'];
  readonly index: number;
  /** A run of HINCRBYs: where each field's increment is, to add to it. */
  readonly increments?: Map<string, number>;
}

/**
 * Folds a batch's ops into fewer, with the same end state: consecutive ops on one key of a kind
 * that composes merge (HSETs into one HSET, the later value of a field winning; INCRBYs and a
 * run of HINCRBYs into sums, while a sum stays a safe integer; ZADDs into one multi-member
 * ZADD). Only ops on the same key are ever merged, and only when no other op on that key comes
 * between, so the order of what each key sees is kept. A catch-up batch of hundreds of deposits on a handful of accounts becomes a
 * handful of writes.
 */
export const compactOps = (ops: readonly WriteOp[]): CompactOp[] => {
  const out: Mutable<CompactOp>[] = [];
  const tails = new Map<string, KeyTail>();
  for (const op of ops) {
    const tail = tails.get(op.key);
    if (tail && absorb(out, tail, op)) continue;
    out.push({ ...op } as Mutable<CompactOp>);
    const index = out.length - 1;
    tails.set(op.key, {
      kind: op.kind,
      index,
      ...(op.kind === 'hIncrBy' ? { increments: new Map([[op.field, index]]) } : {}),
    });
  }
  return out;
};

/** Merges `op` into the key's tail if their kinds compose; false if it must stand on its own. */
const absorb = (out: Mutable<CompactOp>[], tail: KeyTail, op: WriteOp): boolean => {
  const previous = out[tail.index]!;
  if (op.kind !== tail.kind) return false;
  switch (op.kind) {
    case 'hSet': {
      const merged = previous as Mutable<Extract<CompactOp, { kind: 'hSet' }>>;
      merged.fields = { ...merged.fields, ...op.fields };
      return true;
    }
    case 'incrBy': {
      const merged = previous as Mutable<Extract<CompactOp, { kind: 'incrBy' }>>;
      if (!Number.isSafeInteger(merged.by + op.by)) return false;
      merged.by += op.by;
      return true;
    }
    case 'hIncrBy': {
      const at = tail.increments!.get(op.field);
      const merged = at === undefined ? undefined : (out[at] as Mutable<Extract<CompactOp, { kind: 'hIncrBy' }>>);
      if (merged !== undefined && Number.isSafeInteger(merged.by + op.by)) {
        merged.by += op.by;
      } else {
        out.push({ ...op });
        tail.increments!.set(op.field, out.length - 1);
      }
      return true;
    }
    case 'zAdd': {
      if (previous.kind === 'zAdd') {
        out[tail.index] = { kind: 'zAddMany', key: op.key, entries: [[previous.score, previous.member]] };
      }
      ((out[tail.index] as Extract<CompactOp, { kind: 'zAddMany' }>).entries as (readonly [number, string])[]).push([
        op.score,
        op.member,
      ]);
      return true;
    }
    default:
      return false;
  }
};
