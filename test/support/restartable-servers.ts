import { afterAll, beforeAll } from 'vitest';
import type { RunningEsgraph } from '../../src/app.js';
import { connectEventStore, type EventStoreClient } from '../../src/core/eventstore/client.js';
import { closeRedisClient, connectRedis, type RedisClient } from '../../src/core/redis/client.js';
import { ProjectionsDocument } from '../generated/graphql.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from './esgraph.js';
import { executeOk } from './graphql-client.js';
import { waitFor } from './wait-for.js';

/*
 * For a test file that stops servers and starts new ones on the same private dependencies, as a
 * process manager's replay after a lost checkpoint, or its resumption after downtime, needs.
 */

/**
 * The file's dependencies, a client of their event store and of their Redis, and `startServer`;
 * every server started is stopped after the file's tests, then the clients and the dependencies.
 */
export const useRestartableServers = () => {
  let dependencies: TestDependencies | undefined;
  let eventStore: EventStoreClient | undefined;
  let redis: RedisClient | undefined;
  const servers: RunningEsgraph[] = [];
  beforeAll(async () => {
    dependencies = await startTestDependencies();
    eventStore = connectEventStore(dependencies.esdb.connectionString);
    redis = await connectRedis(dependencies.redis.url);
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    if (redis) await closeRedisClient(redis);
    await eventStore?.dispose();
    await dependencies?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useRestartableServers: only there once beforeAll has run');
    return value;
  };
  return {
    get eventStore() {
      return started(eventStore);
    },
    get redis() {
      return started(redis);
    },
    async startServer(): Promise<RunningEsgraph> {
      const server = await startTestEsgraph(started(dependencies));
      servers.push(server);
      return server;
    },
  };
};

/** Process manager `name`'s row in the projections query, once its checkpoint is at or past `position`. */
export const processManagerPast = (url: string, name: string, position: string) =>
  waitFor(`the checkpoint of ${name} past ${position}`, async () => {
    const { projections } = await executeOk(url, ProjectionsDocument);
    const row = projections.find((projection) => projection.name === name);
    return row?.checkpoint != null && BigInt(row.checkpoint) >= BigInt(position) ? row : undefined;
  });
