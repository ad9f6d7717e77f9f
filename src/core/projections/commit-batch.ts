import type { RedisClient } from '../redis/client.js';
import { runLuaScript } from '../redis/lua-script.js';
import { parsePosition } from './checkpoint.js';
import { BatchRejectedError, type CommitBatch, encodeCommit } from './commit-ops.js';
import { commitScript } from './commit-script.js';
import type { ProjectionId } from './keys.js';

/** How a commit ended. Only `committed` wrote anything. */
export type CommitResult =
  | {
      readonly status: 'committed';
      readonly projection: ProjectionId;
      readonly checkpoint: bigint;
      /** Whether readers were on this version at commit time; only then were change notifications published. */
      readonly active: boolean;
    }
  /** The stored checkpoint is at or past the batch: it was applied before (a replay after a crash). */
  | { readonly status: 'stale'; readonly checkpoint: bigint }
  /** The caller no longer holds the lease: another runner owns this projection now. Stop. */
  | { readonly status: 'fenced' };

/**
 * Applies a batch's writes, moves the checkpoint and publishes the batch's change notifications
 * (when readers are on this version), atomically, if and only if the caller still holds the
 * projection's lease and the batch is past the stored checkpoint. Writes go to the
 * projection version's key space. One round trip (see commit-script.ts for why a script).
 *
 * @throws BatchRejectedError when an op cannot succeed (wrong key type, non-integer increment,
 *   malformed op); nothing was written. That is a handler bug: retrying the same batch will not help.
 */
export const commitBatch = async (redis: RedisClient, batch: CommitBatch): Promise<CommitResult> => {
  const encoded = encodeCommit(batch);
  const reply = await runLuaScript(redis, commitScript, encoded.keys, encoded.args);
  const [status, detail] = Array.isArray(reply) ? reply : [];
  switch (status) {
    case 'committed':
      return {
        status,
        projection: batch.projection,
        checkpoint: batch.checkpoint,
        active: detail === 1,
      };
    case 'stale':
      return { status, checkpoint: parsePosition(String(detail)) };
    case 'fenced':
      return { status };
    case 'rejected':
      throw new BatchRejectedError(`projection ${batch.projection.name} v${batch.projection.version}: ${detail}`);
    default:
      throw new Error(`unexpected reply from the commit script: ${JSON.stringify(reply)}`);
  }
};
