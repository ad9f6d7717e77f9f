import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError, readConfig } from './config.js';
import { createLogger, type Logger } from './core/logger.js';
import { connectRedis, type RedisClient } from './core/redis/client.js';
import { RedisServerMissingError, startEmbeddedRedis } from './core/redis/embedded-redis.js';
import { createContext, type ServerIdentity } from './graphql/context.js';
import { createErrorFormatter } from './graphql/errors.js';
import { buildEsgraphSchema } from './graphql/schema.js';
import { startHttpServer } from './server/http-server.js';
import { stopOnSignals } from './server/shutdown.js';

/** A started resource and how to release it; released in reverse order of starting. */
type Stoppable = () => Promise<void>;

const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const openRedis = async (config: Config, log: Logger, stops: Stoppable[]): Promise<RedisClient> => {
  let url = config.redisUrl;
  if (url === undefined) {
    const embedded = await startEmbeddedRedis({ dir: join(config.dataDir, 'redis') });
    stops.push(embedded.stop);
    url = embedded.url;
    log.info({ url, dir: join(config.dataDir, 'redis') }, 'started embedded redis-server');
  }
  const redis = await connectRedis(url, { onError: (error) => log.warn({ err: error }, 'redis connection error') });
  stops.push(async () => {
    await redis.close();
  });
  return redis;
};

const start = async (config: Config, log: Logger): Promise<Stoppable> => {
  const stops: Stoppable[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const redis = await openRedis(config, log, stops);
    const server: ServerIdentity = { name: 'esgraph', version: packageVersion(), roles: config.roles };
    const http = await startHttpServer({
      host: config.host,
      port: config.port,
      schema: await buildEsgraphSchema(),
      context: (requestId) => createContext({ log, server }, requestId),
      formatError: createErrorFormatter(log),
      readiness: [{ name: 'redis', probe: () => redis.ping() }],
      shutdownGraceMs: config.shutdownGraceMs,
      log,
    });
    stops.push(http.stop);
    log.info({ url: http.url, port: http.port, roles: config.roles }, 'esgraph listening');
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
