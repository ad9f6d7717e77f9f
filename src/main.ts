import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConnectedConfig, startEsgraph } from './app.js';
import { type Config, ConfigError, readConfig } from './config.js';
import { createLogger, type Logger } from './core/logger.js';
import { RedisServerMissingError, startEmbeddedRedis } from './core/redis/embedded-redis.js';
import { recordEndpoints } from './embedded-endpoints.js';
import { lockDirectory, startEsdbLocal } from './esdb-local/index.js';
import { stopNewestFirst, stopOnSignals } from './server/shutdown.js';

/*
 * The process entry point: read the configuration, start the embedded event store and Redis
 * when none are configured, start esgraph, and stop everything on SIGINT/SIGTERM.
 */

type Stoppable = () => Promise<void>;

/** Starts whatever dependency the configuration leaves to us, and says how to reach each. */
const startEmbeddedDependencies = async (config: Config, log: Logger, stops: Stoppable[]): Promise<ConnectedConfig> => {
  let { redisUrl, eventStoreConnectionString } = config;
  if (redisUrl === undefined) {
    const dir = join(config.dataDir, 'redis');
    // Two redis-servers on one append-only file would corrupt it, as two engines would a log.
    await mkdir(dir, { recursive: true });
    const unlock = lockDirectory(dir, { owner: 'redis', onNotice: (message) => log.warn({ dir }, message) });
    stops.push(async () => unlock());
    const redis = await startEmbeddedRedis({ dir });
    stops.push(redis.stop);
    redisUrl = redis.url;
    log.info({ url: redisUrl, dir }, 'started embedded redis-server');
  }
  if (eventStoreConnectionString === undefined) {
    const dir = join(config.dataDir, 'esdb');
    const esdb = await startEsdbLocal({ dir, onNotice: (message) => log.warn({ dir }, `esdb-local: ${message}`) });
    stops.push(esdb.stop);
    eventStoreConnectionString = esdb.connectionString;
    log.info({ connectionString: eventStoreConnectionString, dir }, 'started embedded esdb-local');
  }
  if (config.redisUrl === undefined || config.eventStoreConnectionString === undefined) {
    const forget = recordEndpoints(config.dataDir, { redisUrl, eventStoreConnectionString });
    stops.push(async () => forget());
  }
  return { ...config, redisUrl, eventStoreConnectionString };
};

const start = async (config: Config, log: Logger): Promise<Stoppable> => {
  const stops: Stoppable[] = [];
  const stopAll = (): Promise<void> => stopNewestFirst(stops, (stop) => stop());
  try {
    const connected = await startEmbeddedDependencies(config, log, stops);
    const esgraph = await startEsgraph(connected, log);
    stops.push(esgraph.stop);
    log.info({ url: esgraph.url, port: esgraph.port, roles: config.roles }, 'esgraph listening');
    return stopAll;
  } catch (error) {
    await stopAll();
    throw error;
  }
};

const readConfigOrExit = (): Config => {
  try {
    return readConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`esgraph: configuration error: ${error.message}`);
    process.exit(2);
  }
};

const config = readConfigOrExit();
const log = createLogger(config.logLevel);
try {
  stopOnSignals(await start(config, log), log);
} catch (error) {
  if (error instanceof RedisServerMissingError) {
    console.error(`esgraph: ${error.message}`);
    process.exit(2);
  }
  log.fatal({ err: error }, 'esgraph failed to start');
  process.exit(1);
}
