import { changeChannel } from '../pubsub/channels.js';
import type { RedisClient } from '../redis/client.js';
import type { CommitResult } from './commit-batch.js';

/** A commit that wrote: the only kind with anything to announce. */
export type Committed = Extract<CommitResult, { status: 'committed' }>;

/**
 * Publishes a commit's change notifications, in the batch's order. Call it after the commit
 * returned, so whoever hears a notification reads data that is already there. Only when readers
 * are on this version: a rebuild replaying history beside the live version must not wake
 * subscribers. (The checkpoint advance was already announced by the commit itself.)
 *
 * node-redis writes the commands issued in one tick together: one round trip for the lot, and
 * Redis delivers them in this order. Pub/sub is at most once: if the process dies before this,
 * subscribers miss these and see the state on their next notification or re-read.
 */
export const publishCommit = async (redis: RedisClient, commit: Committed): Promise<void> => {
  if (!commit.active) return;
  const { name } = commit.projection;
  await Promise.all(
    commit.notifications.map(({ topic, message }) => redis.publish(changeChannel(name, topic), message)),
  );
};
