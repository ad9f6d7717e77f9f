import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { SubscriberHub } from '../../src/core/pubsub/subscriber-hub.js';
import { connectRedis, type RedisClient } from '../../src/core/redis/client.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/core/redis/embedded-redis.js';

export interface RedisFixture {
  /** A new connection to this file's private redis-server, closed after the file's tests. */
  connect(): Promise<RedisClient>;
  /** A subscriber hub on a new connection (as another process would have), closed after the file's tests. */
  hub(): Promise<SubscriberHub>;
}

/**
 * Starts a private redis-server for the calling test file (never the shared one on 6379) and
 * closes every connection and hub the file opened, then the server.
 */
export const useEmbeddedRedis = (): RedisFixture => {
  let server: EmbeddedRedis | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    server = await startEmbeddedRedis();
  });
  afterAll(async () => {
    await Promise.allSettled(closers.reverse().map((close) => close()));
    await server?.stop();
  });
  const connect = async (): Promise<RedisClient> => {
    if (server === undefined) throw new Error('useEmbeddedRedis: the server starts in beforeAll');
    const client = await connectRedis(server.url);
    closers.push(() => client.close());
    return client;
  };
  return {
    connect,
    hub: async () => {
      const hub = await SubscriberHub.connect(await connect());
      closers.push(() => hub.close());
      return hub;
    },
  };
};

/** A projection name no other test uses, so tests share a server without sharing keys. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;
