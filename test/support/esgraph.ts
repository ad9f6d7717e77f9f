import { afterAll, beforeAll } from 'vitest';
import { type ConnectedConfig, type EsgraphOptions, type RunningEsgraph, startEsgraph } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/core/logger.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/core/redis/embedded-redis.js';
import { type EsdbLocal, startEsdbLocal } from '../../src/esdb-local/index.js';
import { withTestKey } from './test-tokens.js';

/** The dependencies one test file shares: its own in-memory esdb-local and private redis-server. */
export interface TestDependencies {
  readonly esdb: EsdbLocal;
  readonly redis: EmbeddedRedis;
  stop(): Promise<void>;
}

export const startTestDependencies = async (): Promise<TestDependencies> => {
  const [esdb, redis] = await Promise.all([startEsdbLocal({ mem: true }), startEmbeddedRedis()]);
  return {
    esdb,
    redis,
    stop: async () => {
      await Promise.all([esdb.stop(), redis.stop()]);
    },
  };
};

/** Where an esgraph instance finds its Redis and its event store. */
export interface TestEndpoints {
  readonly redis: { readonly url: string };
  readonly esdb: { readonly connectionString: string };
}

/**
 * An esgraph instance in this process on a free port, against the given dependencies; silent
 * unless `log` (a captured logger, say) or ESGRAPH_TEST_LOG_LEVEL says otherwise.
 */
export const startTestEsgraph = (
  dependencies: TestEndpoints,
  env: Record<string, string> = {},
  options: EsgraphOptions = {},
  log: Logger = createLogger(process.env.ESGRAPH_TEST_LOG_LEVEL ?? 'silent'),
): Promise<RunningEsgraph> => {
  const config: ConnectedConfig = {
    // Off unless a test asks: one loopback address sends every test's requests, past any real limit.
    ...readConfig(withTestKey({ HOST: '127.0.0.1', PORT: '0', RATE_LIMIT: 'off', ...env })),
    redisUrl: dependencies.redis.url,
    eventStoreConnectionString: dependencies.esdb.connectionString,
  };
  return startEsgraph(config, log, options);
};

/** What `useTestEsgraph` gives a test file once its `beforeAll` has run. */
export interface TestEsgraphs {
  readonly dependencies: TestDependencies;
  /** Every instance started, all sharing the dependencies. */
  readonly instances: readonly RunningEsgraph[];
  /** The first instance's GraphQL URL. */
  readonly url: string;
}

/**
 * Starts, for the whole test file, private dependencies and `count` esgraph instances against
 * them, and stops them all after the file's tests.
 */
export const useTestEsgraph = (
  count = 1,
  /** Runs once the dependencies are up, before any instance starts (to prepare Redis, say). */
  beforeStart?: (dependencies: TestDependencies) => Promise<void>,
): TestEsgraphs => {
  let dependencies: TestDependencies | undefined;
  let instances: RunningEsgraph[] = [];
  beforeAll(async () => {
    dependencies = await startTestDependencies();
    await beforeStart?.(dependencies);
    instances = await Promise.all(Array.from({ length: count }, () => startTestEsgraph(dependencies!)));
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await dependencies?.stop();
  });
  return {
    get dependencies() {
      if (!dependencies) throw new Error('useTestEsgraph: dependencies are only there once beforeAll has run');
      return dependencies;
    },
    get instances() {
      return instances;
    },
    get url() {
      const [first] = instances;
      if (!first) throw new Error('useTestEsgraph: instances are only there once beforeAll has run');
      return first.url;
    },
  };
};
