import { encodeChangeBundle } from '../pubsub/change-bundles.js';
import { changeChannel, progressChannel } from '../pubsub/channels.js';
import { formatPosition } from './checkpoint.js';
import { type CompactOp, compactOps, type WriteOp } from './compact-ops.js';
import { activeVersionKey, checkpointKey, keySpace, leaseKey, type ProjectionId } from './keys.js';
import { encodeProgress } from './progress-messages.js';
import type { RedisOp } from './projection.js';

/** A batch the runner wants committed: ops from pure handlers, the position they bring the projection to. */
export interface CommitBatch {
  readonly projection: ProjectionId;
  readonly ops: readonly RedisOp[];
  /** The $all commit position of the batch's last event. */
  readonly checkpoint: bigint;
  /** The caller's lease token; the commit is refused unless it still holds the lease. */
  readonly leaseToken: string;
}

/** The batch cannot be applied as written (a handler bug); nothing was written. Retrying will not help. */
export class BatchRejectedError extends Error {
  override readonly name = 'BatchRejectedError';
}

/** The commit script's KEYS and ARGV. */
export interface EncodedCommit {
  readonly keys: readonly string[];
  readonly args: readonly string[];
}

/**
 * Translates a batch into the commit script's arguments (see commit-script.ts). KEYS starts with
 * the lease, checkpoint and active-version keys; read-model keys follow. ARGV starts with the
 * token, checkpoint, version and the progress announcement; then the number of change bundles and
 * each as its channel and bundle (a topic's `notify` messages in batch order, see
 * change-bundles.ts); then each op (compacted first, see compact-ops.ts) becomes
 * `<command> <key index> <args…>`; `hset` also carries its field count and `zaddn` (a ZADD of
 * several members) its member count. Keys go in KEYS, once each, so the script declares every
 * key it touches (Redis Cluster checks them).
 */
export const encodeCommit = (batch: CommitBatch): EncodedCommit => {
  const space = keySpace(batch.projection);
  const keys = [leaseKey(batch.projection), checkpointKey(batch.projection), activeVersionKey(batch.projection.name)];
  const keyIndex = new Map<string, string>();
  const indexOf = (logicalKey: string): string => {
    let index = keyIndex.get(logicalKey);
    if (index === undefined) {
      keys.push(space.key(logicalKey));
      index = String(keys.length);
      keyIndex.set(logicalKey, index);
    }
    return index;
  };
  const { name, version } = batch.projection;
  const progress = encodeProgress({ kind: 'checkpoint', version, position: batch.checkpoint });
  const args = [batch.leaseToken, formatPosition(batch.checkpoint), String(version), progressChannel(name), progress];
  const byTopic = new Map<string, string[]>();
  const writes: WriteOp[] = [];
  for (const op of batch.ops) {
    if (op.kind !== 'notify') writes.push(op);
    else if (byTopic.has(op.topic)) byTopic.get(op.topic)!.push(op.message);
    else byTopic.set(op.topic, [op.message]);
  }
  args.push(String(byTopic.size));
  for (const [topic, messages] of byTopic) args.push(changeChannel(name, topic), encodeChangeBundle(messages));
  for (const op of compactOps(writes)) args.push(...encodeOp(op, indexOf(op.key)));
  return { keys, args };
};

const encodeOp = (op: CompactOp, key: string): string[] => {
  switch (op.kind) {
    case 'set':
      return ['set', key, op.value];
    case 'del':
      return ['del', key];
    case 'incrBy':
      return ['incrby', key, integer(op.by, op)];
    case 'hSet':
      return ['hset', key, ...hashFields(op.fields, op)];
    case 'hIncrBy':
      return ['hincrby', key, op.field, integer(op.by, op)];
    case 'hDel':
      return ['hdel', key, op.field];
    case 'zAdd':
      return ['zadd', key, score(op.score, op), op.member];
    case 'zAddMany':
      return [
        'zaddn',
        key,
        String(op.entries.length),
        ...op.entries.flatMap(([at, member]) => [score(at, op), member]),
      ];
    case 'zRem':
      return ['zrem', key, op.member];
    case 'sAdd':
      return ['sadd', key, op.member];
    case 'sRem':
      return ['srem', key, op.member];
    case 'lPush':
      return ['lpush', key, op.value];
    default:
      return unknownOp(op);
  }
};

const unknownOp = (op: never): never => {
  throw new BatchRejectedError(`unknown op ${JSON.stringify(op)}`);
};

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
