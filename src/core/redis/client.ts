import { createClient } from 'redis';

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
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
    },
  });

export type RedisClient = ReturnType<typeof createEsgraphClient>;

export interface RedisConnectOptions {
  /** Called for connection errors; node-redis reconnects by itself, so these are reports, not failures. */
  readonly onError?: (error: Error) => void;
}

/**
 * Connects to Redis and waits for the first connection. Afterwards node-redis reconnects with
 * backoff on its own; commands issued while disconnected fail fast instead of queueing without
 * bound, so a dead Redis shows up as errors (and a failing /readyz) rather than as a hang.
 */
export const connectRedis = async (url: string, options: RedisConnectOptions = {}): Promise<RedisClient> => {
  const client = createEsgraphClient(url);
  client.on('error', (error: Error) => options.onError?.(error));
  await client.connect();
  return client;
};
