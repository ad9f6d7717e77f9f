import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConnectedConfig, startEsgraph } from './app.js';
import { type Config, ConfigError, readConfig } from './config.js';
import { DependencyUnreachableError } from './core/dependency-unreachable.js';
import { createLogger, type Logger } from './core/logger.js';
import { maskPassword } from './core/masked-url.js';
import { RedisServerMissingError } from './core/redis/embedded-redis.js';
import { superviseEmbeddedRedis } from './core/redis/redis-supervisor.js';
import { forgetEndpoints, recordEndpoints } from './embedded-endpoints.js';
import { lockDirectory, startEsdbLocal } from './esdb-local/index.js';
import { devSecretPath, loadOrCreateDevSecret, mintDevelopmentTokens } from './identity/index.js';
import { packageVersion } from './package-version.js';
import type { LivenessCheck } from './server/health.js';
import {
  shutdownCloseBoundMs,
  stopNewestFirst,
  stopOnSignals,
  stopStepBoundMs,
  stopWithin,
} from './server/shutdown.js';
import { type DependencyInUse, formatStartBanner, type TokenSource } from './start-banner.js';

/*
 * The process entry point: read the configuration, start the embedded event store and Redis
 * when none are configured, start esgraph, and stop everything on SIGINT/SIGTERM.
 */

type Stoppable = () => Promise<void>;

/** What main.ts started besides esgraph, and what /healthz must check of it. */
interface Dependencies {
  readonly config: ConnectedConfig;
  readonly liveness: LivenessCheck[];
  /** What the start banner says of each. */
  readonly inUse: DependencyInUse[];
}

/** Starts whatever dependency the configuration leaves to us, and says how to reach each. */
const startEmbeddedDependencies = async (config: Config, log: Logger, stops: Stoppable[]): Promise<Dependencies> => {
  let { redisUrl, eventStoreConnectionString } = config;
  const liveness: LivenessCheck[] = [];
  const inUse: DependencyInUse[] = [];
  let redisPid: number | undefined;
  let record = (): void => undefined;
  // Everything under DATA_DIR is the owner's alone: the log, Redis's files, their passwords.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await chmod(config.dataDir, 0o700);
  if (redisUrl === undefined) {
    const dir = join(config.dataDir, 'redis');
    // Two redis-servers on one append-only file would corrupt it, as two engines would a log.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const unlock = lockDirectory(dir, { owner: 'redis', onNotice: (message) => log.warn({ dir }, message) });
    stops.push(async () => unlock());
    const redis = await superviseEmbeddedRedis({
      dir,
      // Fresh on every start: only this process and the tools reading endpoints.json need it.
      password: randomBytes(24).toString('hex'),
      log,
      // A fault injector (or an operator) finds the new pid in the log and in endpoints.json.
      onRestarted: (restarted) => {
        redisPid = restarted.pid;
        record();
      },
    });
    stops.push(() => stopWithin('embedded redis-server', redis.stop, log, 2 * stopStepBoundMs));
    liveness.push({ name: 'embedded redis-server supervision', failure: redis.failure });
    redisUrl = redis.url;
    redisPid = redis.pid;
    // Not the URL: it carries the password (tools find it in DATA_DIR/run/endpoints.json).
    log.info({ port: redis.port, dir, redisPid: redis.pid }, 'started embedded redis-server');
    inUse.push({ label: 'Redis', description: `embedded redis-server on 127.0.0.1:${redis.port}, data in ${dir}` });
  } else {
    inUse.push({ label: 'Redis', description: `${maskPassword(redisUrl)} (REDIS_URL)` });
  }
  if (eventStoreConnectionString === undefined) {
    const dir = join(config.dataDir, 'esdb');
    const run = join(config.dataDir, 'run');
    await mkdir(run, { recursive: true, mode: 0o700 });
    const esdb = await startEsdbLocal({
      dir,
      onNotice: (message) => log.warn({ dir }, `esdb-local: ${message}`),
      // Fresh on every start, like Redis's: any local user reaches its port, only we know these.
      access: {
        credentials: { username: 'esgraph', password: randomBytes(24).toString('hex') },
        certificateFile: join(run, 'esdb-local.pem'),
      },
    });
    stops.push(() => stopWithin('embedded esdb-local', esdb.stop, log));
    eventStoreConnectionString = esdb.connectionString;
    // Not the connection string: it carries the password.
    log.info({ host: esdb.host, port: esdb.port, dir }, 'started embedded esdb-local');
    inUse.unshift({
      label: 'Event store',
      description: `embedded esdb-local (in this process) on ${esdb.host}:${esdb.port}, log in ${dir}`,
    });
  } else {
    inUse.unshift({
      label: 'Event store',
      description: `${maskPassword(eventStoreConnectionString)} (EVENTSTORE_CONNECTION_STRING)`,
    });
  }
  if (config.redisUrl === undefined || config.eventStoreConnectionString === undefined) {
    const endpoints = { redisUrl, eventStoreConnectionString };
    record = () => recordEndpoints(config.dataDir, { ...endpoints, ...(redisPid === undefined ? {} : { redisPid }) });
    record();
    stops.push(async () => forgetEndpoints(config.dataDir));
  }
  return { config: { ...config, redisUrl, eventStoreConnectionString }, liveness, inUse };
};

/** How long the tokens printed at start-up last. */
const devTokenTtlSeconds = 12 * 3600;

/**
 * With no key source configured (readConfig refuses that in production), the data directory's own
 * secret, and one ready-to-paste token per role (in the log as JSON; the banner shows them when
 * pretty; the pages offer them).
 */
const withDevSecret = async <C extends Config>(config: C, log: Logger): Promise<{ config: C; tokens: TokenSource }> => {
  if (config.jwt.jwksUrl !== undefined) return { config, tokens: { kind: 'jwks', url: config.jwt.jwksUrl } };
  if (config.jwt.secret !== undefined) return { config, tokens: { kind: 'secret' } };
  const secret = await loadOrCreateDevSecret(config.dataDir);
  const { issuer, audience } = config.jwt;
  log.info(
    { dataDir: config.dataDir },
    "no JWT_SECRET or JWT_JWKS_URL: tokens are signed with this data directory's secret",
  );
  const developmentTokens = await mintDevelopmentTokens(secret, {
    ttlSeconds: devTokenTtlSeconds,
    ...(issuer === undefined ? {} : { issuer }),
    ...(audience === undefined ? {} : { audience }),
  });
  if (!config.logPretty) {
    for (const { roles, sub, token } of developmentTokens)
      log.info({ role: roles[0], sub }, `dev token: Bearer ${token}`);
  }
  return {
    config: { ...config, jwt: { ...config.jwt, secret } },
    tokens: {
      kind: 'dev',
      tokens: developmentTokens,
      ttlHours: devTokenTtlSeconds / 3600,
      secretPath: devSecretPath(config.dataDir),
    },
  };
};

const start = async (config: Config, log: Logger): Promise<Stoppable> => {
  const stops: Stoppable[] = [];
  const stopAll = (): Promise<void> => stopNewestFirst(stops, (stop) => stop());
  try {
    const dependencies = await startEmbeddedDependencies(config, log, stops);
    // After the dependencies, so a start that fails on them says only that.
    const identity = await withDevSecret(dependencies.config, log);
    const esgraph = await startEsgraph(identity.config, log, {
      liveness: dependencies.liveness,
      developmentTokens: identity.tokens.kind === 'dev' ? identity.tokens.tokens : [],
    });
    stops.push(esgraph.stop);
    log.info({ url: esgraph.url, port: esgraph.port, roles: config.roles }, 'esgraph listening');
    if (config.logPretty) {
      const banner = { version: packageVersion(), roles: config.roles, endpoints: esgraph.endpoints };
      process.stdout.write(formatStartBanner({ ...banner, dependencies: dependencies.inUse, tokens: identity.tokens }));
    }
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
const log = createLogger(config.logLevel, 'esgraph', { pretty: config.logPretty });
try {
  stopOnSignals(await start(config, log), log, config.shutdownGraceMs + shutdownCloseBoundMs);
} catch (error) {
  if (error instanceof RedisServerMissingError) {
    console.error(`esgraph: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof DependencyUnreachableError) {
    console.error(`esgraph: ${error.message}; is it running? (STARTUP_TIMEOUT_MS sets how long to wait)`);
    process.exit(1);
  }
  log.fatal({ err: error }, 'esgraph failed to start');
  process.exit(1);
}
