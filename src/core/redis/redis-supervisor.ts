import { type BackoffPolicy, backoffDelayMs, sleep } from '../backoff.js';
import type { Logger } from '../logger.js';
import { type EmbeddedRedis, type EmbeddedRedisOptions, type RedisExit, startEmbeddedRedis } from './embedded-redis.js';

export interface RedisSupervisorOptions extends Omit<EmbeddedRedisOptions, 'port'> {
  readonly log: Logger;
  /** Called with each server started after a crash (its new pid), so it can be recorded. */
  readonly onRestarted?: (redis: EmbeddedRedis) => void;
  /** Restarts allowed within `windowMs`; one more and supervision gives up. Default 5. */
  readonly maxRestarts?: number;
  /** Default 60 s. */
  readonly windowMs?: number;
}

/** The private redis-server, kept running: its URL stays the same across restarts. */
export interface SupervisedRedis {
  readonly url: string;
  readonly port: number;
  /** The pid of the redis-server running now. */
  readonly pid: number;
  /** Why supervision gave up (the server could not be kept running), or undefined while it has not. */
  failure(): string | undefined;
  /** Stops supervising, then stops the server. */
  stop(): Promise<void>;
}

/** Restarts after the first back off by these (promised in the README, so without jitter). */
const RESTART_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 4_000, jitter: 'none' };

/** Waits before the nth restart within the window (n from 0): at once, then 250 ms, doubling. */
const restartDelayMs = (n: number): number => (n === 0 ? 0 : backoffDelayMs(RESTART_BACKOFF, n - 1));

const describeExit = ({ code, signal }: RedisExit): string =>
  signal !== null ? `signal ${signal}` : code !== null && code > 128 ? `signal ${code - 128}` : `exit code ${code}`;

/**
 * Starts the embedded redis-server and restarts it whenever it exits unasked, on the same port
 * (every client's URL stays valid, and node-redis reconnects to it) and the same data directory
 * (it reads its append-only file back). Crashes in a row back off; more than `maxRestarts` within
 * `windowMs` (a server that keeps dying, or a port someone else took) and supervision gives up,
 * loudly: `failure()` says why, /healthz fails, and an orchestrator restarts the whole process,
 * which picks a new port.
 */
export const superviseEmbeddedRedis = async (options: RedisSupervisorOptions): Promise<SupervisedRedis> => {
  const { log, maxRestarts = 5, windowMs = 60_000 } = options;
  const launchOptions = {
    ...(options.dir === undefined ? {} : { dir: options.dir }),
    host: options.host ?? '127.0.0.1',
    ...(options.password === undefined ? {} : { password: options.password }),
  };
  let current = await startEmbeddedRedis(launchOptions);
  const { port } = current;
  let stopping = false;
  // stop() cuts a wait before a restart short instead of waiting it out.
  const stopped = new AbortController();
  let gaveUp: string | undefined;
  const restarts: number[] = [];

  const restart = async (): Promise<void> => {
    for (let attempt = 1; !stopping; attempt++) {
      const now = Date.now();
      while (restarts.length > 0 && now - restarts[0]! >= windowMs) restarts.shift();
      if (restarts.length >= maxRestarts) {
        gaveUp = `embedded redis-server on port ${port} could not be kept running: ${restarts.length} restarts within ${windowMs} ms`;
        log.fatal({ port, restarts: restarts.length, windowMs }, `${gaveUp}; giving up (/healthz now fails)`);
        return;
      }
      const slept = await sleep(restartDelayMs(restarts.length), stopped.signal).then(
        () => true,
        () => false,
      );
      if (!slept) return;
      restarts.push(Date.now());
      if (stopping) return;
      try {
        const next = await startEmbeddedRedis({ ...launchOptions, port });
        if (stopping) return next.stop();
        current = next;
        watch(next);
        // Not the URL: it carries the password.
        log.warn({ redisPid: next.pid, port, attempt }, 'restarted embedded redis-server');
        options.onRestarted?.(next);
        return;
      } catch (error) {
        const portTaken = String(error).includes('Address already in use');
        log.error(
          { err: error, port, attempt, portTaken },
          portTaken
            ? 'could not restart embedded redis-server: its port is taken by another process'
            : 'could not restart embedded redis-server',
        );
      }
    }
  };

  const watch = (redis: EmbeddedRedis): void => {
    void redis.exited.then((exit) => {
      if (stopping || redis !== current) return;
      log.error({ redisPid: redis.pid, port, exit: describeExit(exit) }, 'embedded redis-server exited; restarting it');
      return restart();
    });
  };
  watch(current);

  return {
    url: current.url,
    port,
    get pid() {
      return current.pid;
    },
    failure: () => gaveUp,
    stop: async () => {
      stopping = true;
      stopped.abort();
      await current.stop();
    },
  };
};
