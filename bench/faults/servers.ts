import { readEndpoints } from '../../src/embedded-endpoints.js';
import { benchJwtSecret } from '../bench-identity.js';
import { distScript, freePort, type Proc, spawnProc, tempDir } from './processes.js';

/*
 * The three kinds of server a row runs, each restartable on what it had: an esgraph node on its
 * DATA_DIR and environment (on a new port), esdb-local on its directory and port, redis-server on
 * its port and append-only file. A restart after a kill is how a row recovers.
 */

/** An esgraph node (`node dist/main.js`) and how to start it again as it was. */
export interface EsgraphNode {
  readonly name: string;
  readonly proc: Proc;
  readonly url: string;
  readonly wsUrl: string;
  readonly baseUrl: string;
  readonly dataDir: string;
  /** In embedded mode (no REDIS_URL / EVENTSTORE_CONNECTION_STRING): what it started for itself. */
  readonly embeddedRedisUrl: string | undefined;
  readonly embeddedEventStore: string | undefined;
  restart(): Promise<EsgraphNode>;
}

export const startEsgraphNode = async (name: string, env: Record<string, string>): Promise<EsgraphNode> => {
  const fullEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '1000',
    // Every load client is one loopback address: the per-IP limit would measure 429s.
    RATE_LIMIT: 'off',
    // A client that stops reading is cut off after this long (the slow-subscriber row).
    SUBSCRIBER_STALL_MS: '1000',
    JWT_SECRET: benchJwtSecret,
    DATA_DIR: env.DATA_DIR ?? tempDir(`node-${name}`),
    ...env,
  };
  const { proc, match } = await spawnProc(
    `esgraph ${name}`,
    process.execPath,
    [distScript('main.js')],
    fullEnv,
    /"port":(\d+)[^\n]*"msg":"esgraph listening"/,
    30_000,
  );
  const embedded = readEndpoints(fullEnv.DATA_DIR);
  const baseUrl = `http://127.0.0.1:${match[1]}`;
  return {
    name,
    proc,
    url: `${baseUrl}/graphql`,
    wsUrl: `ws://127.0.0.1:${match[1]}/graphql`,
    baseUrl,
    dataDir: fullEnv.DATA_DIR,
    // From endpoints.json, not the log: the URLs carry the embedded services' passwords.
    embeddedRedisUrl: embedded?.redisUrl,
    embeddedEventStore: embedded?.eventStoreConnectionString,
    restart: () => startEsgraphNode(name, fullEnv as Record<string, string>),
  };
};

/** esdb-local on disk in its own process. */
export interface EsdbLocalServer {
  readonly proc: Proc;
  readonly connectionString: string;
  readonly dir: string;
  readonly port: number;
  /** Starts it again on the same directory and port (after it was killed). */
  restart(): Promise<EsdbLocalServer>;
}

export const startEsdbLocalServer = async (dir = tempDir('esdb'), port = 0): Promise<EsdbLocalServer> => {
  const { proc, match } = await spawnProc(
    'esdb-local',
    process.execPath,
    [distScript('esdb-local/cli.js'), '--port', String(port), '--db', dir],
    { PATH: process.env.PATH },
    /esdb-local listening: (\S+)/,
  );
  const connectionString = match[1]!;
  const boundPort = Number(/:(\d+)/.exec(connectionString.replace(/^esdb:\/\//, ''))?.[1]);
  return {
    proc,
    connectionString,
    dir,
    port: boundPort,
    restart: () => startEsdbLocalServer(dir, boundPort),
  };
};

/** A redis-server of the harness's own (what an operator's external Redis would be), with an append-only file. */
export interface RedisServer {
  readonly proc: Proc;
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Starts it again on the same port and append-only file (after it was killed). */
  restart(): Promise<RedisServer>;
}

export const startRedisServer = async (dir = tempDir('redis'), port?: number): Promise<RedisServer> => {
  const chosen = port ?? (await freePort());
  const args = [
    '--port',
    String(chosen),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--dir',
    dir,
    '--logfile',
    '',
    '--daemonize',
    'no',
  ];
  const { proc } = await spawnProc(
    'redis-server',
    'redis-server',
    args,
    { PATH: process.env.PATH },
    /Ready to accept connections/,
  );
  return {
    proc,
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    dir,
    restart: () => startRedisServer(dir, chosen),
  };
};
