import { type BackoffPolicy, backOff } from '../backoff.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/client.js';
import { isRedisConnectionError } from '../redis/connection-errors.js';
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

/** Between attempts at a commit that failed for a reason other than the connection or the ops. */
const COMMIT_RETRY: BackoffPolicy = { initialMs: 50, maxMs: 5_000, jitter: 'full' };

/**
 * Commits the batch, trying again with backoff after failures that are neither a lost
 * connection nor ops Redis cannot apply, until Redis answers or `signal` aborts. Those two are
 * thrown: a lost connection means the caller must read its checkpoint and lease again (the Redis
 * that answers next may have lost its last writes), and rejected ops will not apply on a retry.
 */
export const commitUntilAnswered = async (
  redis: RedisClient,
  batch: CommitBatch,
  log: Logger,
  signal: AbortSignal,
): Promise<CommitResult> => {
  for (let failures = 0; ; failures++) {
    try {
      return await commitBatch(redis, batch);
    } catch (error) {
      if (error instanceof BatchRejectedError || isRedisConnectionError(error)) throw error;
      log.warn({ err: error, projection: batch.projection.name, failures }, 'could not commit a batch; retrying');
      await backOff(COMMIT_RETRY, failures, signal);
    }
  }
};
