import { afterAll, beforeAll } from 'vitest';
import { CommandPipeline, type CommandPipelineOptions } from '../../src/core/commands/command-pipeline.js';
import type { DomainModule } from '../../src/core/domain-module.js';
import { connectEventStore, type EventStoreClient } from '../../src/core/eventstore/client.js';
import { createLogger } from '../../src/core/logger.js';
import type { ProcessManager } from '../../src/core/process-managers/process-manager.js';
import { ProcessManagers, type ProcessManagersOptions } from '../../src/core/process-managers/process-managers.js';
import { PositionWaiter } from '../../src/core/projections/position-waiter.js';
import { ReadModels } from '../../src/core/projections/read-models.js';
import { Projector, type ProjectorOptions } from '../../src/core/projections/runner/projector.js';
import { SubscriberHub } from '../../src/core/pubsub/subscriber-hub.js';
import { closeRedisClient, connectRedis, type RedisClient } from '../../src/core/redis/client.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/core/redis/embedded-redis.js';
import { type EsdbLocal, startEsdbLocal } from '../../src/esdb-local/index.js';

/*
 * A node of esgraph without its HTTP edge, for core's own tests: core's pieces put together the
 * way src/app.ts puts them together (pipeline, subscriber hub, position waiter, read models,
 * projector; and process managers, which app.ts runs on projector nodes), around one bounded context's module. Several nodes on one event store and one
 * Redis are several processes of one deployment.
 */

export interface CoreNodeOptions {
  /** Run the context's projections here (the projector role). Default true. */
  readonly projector?: boolean;
  readonly projectorOptions?: ProjectorOptions;
  readonly pipeline?: CommandPipelineOptions;
  /** Run these process managers here (the process-manager role), sending through the node's pipeline. */
  readonly processManagers?: readonly ProcessManager[];
  readonly processManagerOptions?: ProcessManagersOptions;
  /** CONSISTENCY_TIMEOUT_MS. Default 10 s. */
  readonly consistencyTimeoutMs?: number;
}

export interface CoreNode<Services> {
  readonly services: Services;
  readonly commands: CommandPipeline;
  readonly projector: Projector | undefined;
  readonly processManagers: ProcessManagers | undefined;
  /** This node's own connections, as its components use them. */
  readonly redis: RedisClient;
  readonly eventStore: EventStoreClient;
  stop(): Promise<void>;
}

const log = createLogger(process.env.ESGRAPH_TEST_LOG_LEVEL ?? 'silent');

export const startCoreNode = async <Services>(
  module: DomainModule<Services>,
  dependencies: { readonly redisUrl: string; readonly eventStoreConnectionString: string },
  options: CoreNodeOptions = {},
): Promise<CoreNode<Services>> => {
  const redis = await connectRedis(dependencies.redisUrl);
  const eventStore = connectEventStore(dependencies.eventStoreConnectionString);
  const hub = await SubscriberHub.connect(redis);
  const waiter = new PositionWaiter(redis, hub);
  const readModels = new ReadModels(redis, hub, waiter, options.consistencyTimeoutMs ?? 10_000);
  const projector =
    options.projector === false
      ? undefined
      : new Projector({ eventStore, redis, log }, module.projections, options.projectorOptions);
  projector?.start();
  const commands = new CommandPipeline(eventStore, options.pipeline);
  const processManagers =
    options.processManagers === undefined
      ? undefined
      : new ProcessManagers(
          { eventStore, redis, pipeline: commands, log },
          options.processManagers,
          options.processManagerOptions,
        );
  processManagers?.start();
  const services = module.createServices({ commands, eventStore, readModels, log, streamReadMaxEvents: 10_000 });
  return {
    services,
    commands,
    projector,
    processManagers,
    redis,
    eventStore,
    // Newest first, as app.ts stops what it started.
    stop: async () => {
      await processManagers?.stop();
      await projector?.stop();
      await waiter.close();
      await hub.close();
      await eventStore.dispose();
      await closeRedisClient(redis);
    },
  };
};

export interface CoreNodes<Services> {
  readonly esdb: EsdbLocal;
  readonly redis: EmbeddedRedis;
  /** A node on this file's event store and Redis, stopped after the file's tests (or by `stop()`). */
  start(options?: CoreNodeOptions): Promise<CoreNode<Services>>;
}

/**
 * One in-memory esdb-local and one private redis-server for the test file, and nodes of the
 * given context on them; everything is stopped after the file's last test.
 */
export const useCoreNodes = <Services>(module: DomainModule<Services>): CoreNodes<Services> => {
  let esdb: EsdbLocal | undefined;
  let redis: EmbeddedRedis | undefined;
  const nodes: CoreNode<Services>[] = [];
  beforeAll(async () => {
    [esdb, redis] = await Promise.all([startEsdbLocal({ mem: true }), startEmbeddedRedis()]);
  });
  afterAll(async () => {
    await Promise.allSettled(nodes.map((node) => node.stop()));
    await Promise.all([esdb?.stop(), redis?.stop()]);
  });
  const running = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useCoreNodes: dependencies are only there once beforeAll has run');
    return value;
  };
  return {
    get esdb() {
      return running(esdb);
    },
    get redis() {
      return running(redis);
    },
    async start(options) {
      const urls = { redisUrl: running(redis).url, eventStoreConnectionString: running(esdb).connectionString };
      const node = await startCoreNode(module, urls, options);
      let stopped: Promise<void> | undefined;
      const once = { ...node, stop: () => (stopped ??= node.stop()) };
      nodes.push(once);
      return once;
    },
  };
};
