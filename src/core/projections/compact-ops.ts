import { type CompactOp, opKindOf, type WriteOp } from './op-kinds.js';

export type { CompactOp, WriteOp } from './op-kinds.js';

/** One key's consecutive ops of one kind, in batch order. */
interface Run {
  readonly key: string;
  readonly kind: WriteOp['kind'];
  readonly ops: WriteOp[];
}

/**
 * Folds a batch's ops into fewer, with the same end state: a run of ops of one kind on one key,
 * with no other op on that key between them, is handed to its kind's `compact` rule
 * (op-kinds.ts: HSETs into one HSET, the later value of a field winning; INCRBYs and a run of
 * HINCRBYs into sums per field, while a sum stays a safe integer; ZADDs into one multi-member
 * ZADD). A run takes the place of its first op; ops on other keys are independent of it, and
 * what each key sees keeps its order. A catch-up batch of hundreds of deposits on a handful of
 * accounts becomes a handful of writes.
 */
export const compactOps = (ops: readonly WriteOp[]): CompactOp[] => {
  const runs: Run[] = [];
  const open = new Map<string, Run>();
  for (const op of ops) {
    const run = open.get(op.key);
    if (run && run.kind === op.kind) {
      run.ops.push(op);
      continue;
    }
    const started: Run = { key: op.key, kind: op.kind, ops: [op] };
    runs.push(started);
    open.set(op.key, started);
  }
  return runs.flatMap(({ ops: run }) => {
    const { compact } = opKindOf(run[0]!) as { compact?: (run: readonly WriteOp[]) => readonly CompactOp[] };
    return compact && run.length > 1 ? compact(run) : run;
  });
};
