/**
 * Pub/sub channel names. Everything esgraph publishes starts with `esgraph:` so it cannot meet
 * another application's channels on a shared Redis. Classic pub/sub channels are not keys: in a
 * cluster they reach every node, so they need no hash tag.
 */

/** Where a projection's `notify` ops for `topic` are published (`esgraph:change:account-summary:account:42`). */
export const changeChannel = (projection: string, topic: string): string => `esgraph:change:${projection}:${topic}`;

/** Where a projection announces checkpoint advances and version switches (see progress-messages.ts). */
export const progressChannel = (projection: string): string => `esgraph:progress:${projection}`;
