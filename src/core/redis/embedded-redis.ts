import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { timedOut, within } from '../time-limit.js';

/** A redis-server child process owned by this process. */
export interface EmbeddedRedis {
  readonly url: string;
  readonly port: number;
  /** The redis-server process itself (not the shell guard around it): what `kill -9` would target. */
  readonly pid: number;
  /** Settles when the server has exited, for whatever reason (stopped, crashed, killed). */
  readonly exited: Promise<RedisExit>;
  /**
   * Stops the server (it flushes its append-only file first) and waits for it to exit; one that
   * has not exited within a few seconds is killed.
   */
  stop(): Promise<void>;
}

/** How a redis-server ended: the guard's exit code (128 + n when redis died of signal n). */
export interface RedisExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface EmbeddedRedisOptions {
  /** Keep data (append-only file) here. Without it the server keeps nothing on disk. */
  readonly dir?: string;
  readonly host?: string;
  /** Listen on this port (a restart on the same port); by default a free one is picked. */
  readonly port?: number;
  /**
   * Require this password of every client (`requirepass`); it is then in `url`. Needs `dir`: the
   * password reaches redis-server in a config file there (owner-only), never on its command line,
   * which any local user can read with `ps`.
   */
  readonly password?: string;
}

/** redis-server is not installed. The message is the one line an operator needs. */
export class RedisServerMissingError extends Error {
  override readonly name = 'RedisServerMissingError';
  constructor() {
    super(
      'redis-server is not on PATH: set REDIS_URL to an existing Redis (redis://host:6379) ' +
        'or install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)',
    );
  }
}

const attempts = 5;
const readyTimeoutMs = 10_000;

/**
 * Starts a private redis-server bound to loopback on a free port. Used by embedded mode and by
 * every test file, so nothing ever touches a shared Redis.
 */
export const startEmbeddedRedis = async (options: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> => {
  assertRedisInstalled();
  const host = options.host ?? '127.0.0.1';
  const dir = options.dir === undefined ? undefined : resolve(options.dir);
  if (dir !== undefined) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  const auth = await authFor(options.password, dir);
  if (options.port !== undefined) return launch(host, options.port, dir, auth);
  let lastError: unknown;
  // A free port can be taken by someone else between our probe and redis binding it; try again.
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await freePort(host);
    try {
      return await launch(host, port, dir, auth);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
};

/** The password and the config file that gives it to redis-server, when one is required. */
interface RedisAuth {
  readonly password: string;
  readonly configFile: string;
}

const authFor = async (password: string | undefined, dir: string | undefined): Promise<RedisAuth | undefined> => {
  if (password === undefined) return undefined;
  if (dir === undefined) throw new Error('an embedded redis-server with a password needs a data directory');
  if (!/^[\w.~-]+$/.test(password)) throw new Error('the embedded redis-server password must be URL- and config-safe');
  const configFile = join(dir, 'esgraph-auth.conf');
  await writeFile(configFile, `requirepass ${password}\n`, { mode: 0o600 });
  // writeFile keeps the mode of a file that was already there.
  await chmod(configFile, 0o600);
  return { password, configFile };
};

const assertRedisInstalled = (): void => {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (probe.error !== undefined) throw new RedisServerMissingError();
};

const freePort = (host: string): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });

const serverArgs = (host: string, port: number, dir: string | undefined, auth: RedisAuth | undefined): string[] => [
  // redis-server reads a config file only as its first argument; the flags after it add to it.
  ...(auth ? [auth.configFile] : []),
  '--port',
  String(port),
  '--bind',
  host,
  '--save',
  '',
  '--appendonly',
  dir === undefined ? 'no' : 'yes',
  '--appendfsync',
  'everysec',
  '--dir',
  dir ?? '/tmp',
  '--logfile',
  '',
  '--daemonize',
  'no',
];

/** The guard's first line names redis-server's pid, before redis logs anything. */
const pidLinePrefix = 'esgraph-redis-server-pid=';

/** How long a clean stop may take before the server is killed. */
const stopTimeoutMs = 2_000;

/**
 * redis-server runs under a small shell guard that holds our end of a pipe: when this process
 * exits, even by SIGKILL, the pipe closes and the guard stops redis, so no orphan keeps the
 * data directory. Closing the pipe is also how `stop` asks for a clean shutdown.
 */
const guard = [
  // Whatever redis writes (append-only files, rewrites) is readable by its owner only.
  'umask 077',
  'exec 3<&0',
  'redis-server "$@" </dev/null &',
  'pid=$!',
  `echo "${pidLinePrefix}$pid"`,
  '(cat <&3 >/dev/null; kill -TERM "$pid" 2>/dev/null) &',
  'wait "$pid"',
].join('\n');

const launch = (
  host: string,
  port: number,
  dir: string | undefined,
  auth: RedisAuth | undefined,
): Promise<EmbeddedRedis> =>
  new Promise((resolveRedis, reject) => {
    const child = spawn('sh', ['-c', guard, 'redis-guard', ...serverArgs(host, port, dir, auth)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group: a terminal's Ctrl-C reaches esgraph's group only, so redis keeps
      // serving while esgraph drains and stops it last (the pipe above still ends it on a crash).
      detached: true,
    });
    let output = '';
    const timer = setTimeout(() => {
      child.stdin?.end();
      reject(new Error(`redis-server did not become ready within ${readyTimeoutMs} ms:\n${output}`));
    }, readyTimeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!output.includes('Ready to accept connections')) return;
      const pid = Number(new RegExp(`${pidLinePrefix}(\\d+)`).exec(output)?.[1]);
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      // Keep draining: a full pipe would block redis on its next log line.
      child.stdout?.resume();
      child.off('exit', onEarlyExit);
      const exited = new Promise<RedisExit>((resolveExit) => {
        child.once('exit', (code, signal) => {
          // The guard's watcher of our pipe outlives a killed redis; let it go too.
          child.stdin?.end();
          resolveExit({ code, signal });
        });
      });
      const credentials = auth ? `:${auth.password}@` : '';
      resolveRedis({
        url: `redis://${credentials}${host}:${port}`,
        port,
        pid,
        exited,
        stop: () => stopGuarded(child, pid, exited),
      });
    };
    const onEarlyExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', onEarlyExit);
  });

const stopGuarded = async (child: ChildProcess, pid: number, exited: Promise<RedisExit>): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.end();
  if ((await within(exited, stopTimeoutMs)) !== timedOut) return;
  killQuietly(pid);
  child.kill('SIGKILL');
  await exited;
};

const killQuietly = (pid: number): void => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
};
