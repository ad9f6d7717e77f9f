import { createClient } from 'redis';
import { type BackoffPolicy, backoffDelayMs } from '../backoff.js';
import { DependencyUnreachableError } from '../dependency-unreachable.js';
import { maskPassword } from '../masked-url.js';
import { timedOut, within } from '../time-limit.js';

/** node-redis waits this before each reconnection attempt (the README promises these delays). */
const RECONNECT: BackoffPolicy = { initialMs: 50, maxMs: 2_000, jitter: 'none' };

const createEsgraphClient = (url: string) =>
  createClient({
    url,
    disableOfflineQueue: true,
    // node-redis 6 arms a 5 s AbortSignal timer on every command by default; at tens of thousands
    // of commands a second that is a measurable share of the work. Callers bound what they wait
    // for themselves (readiness probes, consistentWith waits), and a dropped connection fails
    // commands at once (no offline queue).
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: 5_000,
      reconnectStrategy: (retries: number) => backoffDelayMs(RECONNECT, retries),
    },
  });

export type RedisClient = ReturnType<typeof createEsgraphClient>;

export interface RedisConnectOptions {
  /** Called for connection errors; node-redis reconnects by itself, so these are reports, not failures. */
  readonly onError?: (error: Error) => void;
  /**
   * How long to wait for the first connection; past it the client is destroyed and
   * `DependencyUnreachableError` thrown. Without it the wait is as long as it takes.
   */
  readonly firstConnectionTimeoutMs?: number;
}

/**
 * Connects to Redis and waits for the first connection (node-redis retries it with the backoff
 * below until then). Afterwards node-redis reconnects with backoff on its own; commands issued
 * while disconnected fail fast instead of queueing without bound, so a dead Redis shows up as
 * errors (and a failing /readyz) rather than as a hang.
 */
export const connectRedis = async (url: string, options: RedisConnectOptions = {}): Promise<RedisClient> => {
  const client = createEsgraphClient(url);
  const timeoutMs = options.firstConnectionTimeoutMs;
  let lastError: Error | undefined;
  let connected = false;
  client.on('error', (error: Error) => {
    // Before the first connection only the first failure is reported: the retries would repeat
    // it every 2 s, and the last one goes into the error thrown at the deadline.
    if (connected || timeoutMs === undefined || lastError === undefined) options.onError?.(error);
    lastError = error;
  });
  const connecting = client.connect().then(() => {
    connected = true;
  });
  if (timeoutMs === undefined) {
    await connecting;
    return client;
  }
  if ((await within(connecting, timeoutMs)) === timedOut) {
    // destroy() rejects the pending connect(); that rejection is this error's, already handled.
    connecting.catch(() => undefined);
    client.destroy();
    throw new DependencyUnreachableError('Redis', maskPassword(url), timeoutMs, lastError);
  }
  return client;
};

/**
 * Calls `listener` each time `client` loses its connection (once per loss, until it is ready
 * again). node-redis reports a lost socket as an `error` event and then reconnects on its own.
 * Returns a function that stops watching.
 */
export const onConnectionLost = (client: RedisClient, listener: (error: Error) => void): (() => void) => {
  let connected = client.isReady;
  const onReady = (): void => {
    connected = true;
  };
  const onError = (error: Error): void => {
    if (!connected || client.isReady) return;
    connected = false;
    listener(error);
  };
  client.on('ready', onReady);
  client.on('error', onError);
  return () => {
    client.off('ready', onReady);
    client.off('error', onError);
  };
};

/** How long a close may wait for replies to commands in flight before the socket is torn down. */
const closeBoundMs = 1_000;

/**
 * Closes `client` within a bound, whatever the state of its server. node-redis's `close()` waits
 * for the replies of pending commands, and a client that is reconnecting to a dead server never
 * gets them, so that wait is raced with a timer and `destroy()` (which fails what is pending)
 * ends it; a client that is not connected is destroyed at once.
 */
export const closeRedisClient = async (client: RedisClient, boundMs = closeBoundMs): Promise<void> => {
  if (!client.isOpen) return;
  if (!client.isReady) {
    client.destroy();
    return;
  }
  if ((await within(client.close(), boundMs)) === timedOut) client.destroy();
};
