import { type ChangeMessage, encodeChangeBundle } from '../pubsub/change-bundles.js';
import { changeChannel, progressChannel } from '../pubsub/channels.js';
import { formatPosition } from './checkpoint.js';
import { compactOps } from './compact-ops.js';
import { activeVersionKey, checkpointKey, keySpace, leaseKey, type ProjectionId } from './keys.js';
import { opKindOf, type WriteOp } from './op-kinds.js';
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

export { BatchRejectedError } from './op-kinds.js';

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
 * `<command> <key index> <args…>` as its entry in op-kinds.ts spells it; `hset` also carries its
 * field count and `zaddn` (a ZADD of several members) its member count. Keys go in KEYS, once each, so the script declares every
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
  const byTopic = new Map<string, ChangeMessage[]>();
  const writes: WriteOp[] = [];
  for (const op of batch.ops) {
    if (op.kind !== 'notify') writes.push(op);
    else if (byTopic.has(op.topic)) byTopic.get(op.topic)!.push(op);
    else byTopic.set(op.topic, [op]);
  }
  args.push(String(byTopic.size));
  for (const [topic, messages] of byTopic) args.push(changeChannel(name, topic), encodeChangeBundle(messages));
  for (const op of compactOps(writes)) {
    const kind = opKindOf(op);
    args.push(kind.command, indexOf(op.key), ...kind.encode(op));
  }
  return { keys, args };
};
