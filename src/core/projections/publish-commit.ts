import { encodeChangeBundle } from '../pubsub/change-bundles.js';
import { changeChannel } from '../pubsub/channels.js';
import type { RedisClient } from '../redis/client.js';
import type { CommitResult } from './commit-batch.js';

/** A commit that wrote: the only kind with anything to announce. */
export type Committed = Extract<CommitResult, { status: 'committed' }>;

/**
 * Publishes a commit's change notifications: per topic, its messages in the batch's order, as one
 * bundle (see change-bundles.ts). Call it after the commit returned, so whoever hears a
 * notification reads data that is already there. Only when readers are on this version: a
 * rebuild replaying history beside the live version must not wake subscribers. (The checkpoint
 * advance was already announced by the commit itself.)
 *
 * node-redis writes the commands issued in one tick together: one round trip for the lot. Pub/sub
 * is at most once: if the process dies before this, subscribers miss these and see the state on
 * their next notification or re-read.
 */
export const publishCommit = async (redis: RedisClient, commit: Committed): Promise<void> => {
  if (!commit.active || commit.notifications.length === 0) return;
  const { name } = commit.projection;
  const byTopic = new Map<string, string[]>();
  for (const { topic, message } of commit.notifications) {
    const messages = byTopic.get(topic);
    if (messages) messages.push(message);
    else byTopic.set(topic, [message]);
  }
  await Promise.all(
    [...byTopic].map(([topic, messages]) => redis.publish(changeChannel(name, topic), encodeChangeBundle(messages))),
  );
};
