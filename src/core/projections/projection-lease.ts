import type { RedisClient } from '../redis/client.js';
import type { ProjectionId } from './keys.js';
import { acquireLease, newLeaseToken, releaseLease, renewLease } from './lease.js';

export interface ProjectionLeaseOptions {
  /** How long the lease outlives its last renewal; a successor waits at most this long after a crash. */
  readonly ttlMs: number;
  /** Called once when the lease is lost. Stop writing: commits with this token are refused anyway. */
  readonly onLost?: (reason: string) => void;
  /** Renewal failures (Redis unreachable) that did not yet cost the lease. */
  readonly onError?: (error: unknown) => void;
  /** Shown in the token, to tell holders apart; defaults to `<host>:<pid>`. */
  readonly owner?: string;
}

/**
 * A held lease that renews itself every ttl/3 while the runner works. It is lost when Redis says
 * someone else holds it, or when no renewal has succeeded for a whole TTL (Redis let it expire, as
 * far as we can know). Losing it locally is a courtesy: the real guard is that every commit checks
 * the token in Redis, so a runner that was paused past its TTL cannot write even before it notices.
 */
export class ProjectionLease {
  readonly #redis: RedisClient;
  readonly #options: ProjectionLeaseOptions;
  readonly #timer: NodeJS.Timeout;
  #state: 'held' | 'lost' | 'released' = 'held';
  #renewing = false;
  /** When the last successful renewal (or the acquisition) was sent: the lease lasts ttl from then. */
  #renewedAt: number;

  private constructor(
    redis: RedisClient,
    readonly projection: ProjectionId,
    readonly token: string,
    sentAt: number,
    options: ProjectionLeaseOptions,
  ) {
    this.#redis = redis;
    this.#options = options;
    this.#renewedAt = sentAt;
    this.#timer = setInterval(() => void this.#renew(), Math.max(1, Math.floor(options.ttlMs / 3)));
    // The runner's own work keeps the process alive; a lease alone should not.
    this.#timer.unref();
  }

  /** Takes the lease and starts renewing it, or returns undefined when another runner holds it. */
  static async acquire(
    redis: RedisClient,
    projection: ProjectionId,
    options: ProjectionLeaseOptions,
  ): Promise<ProjectionLease | undefined> {
    if (!Number.isSafeInteger(options.ttlMs) || options.ttlMs < 3) {
      throw new RangeError(`lease ttl must be an integer of at least 3 ms, got ${options.ttlMs}`);
    }
    const sentAt = performance.now();
    const token = await acquireLease(redis, projection, options.ttlMs, newLeaseToken(options.owner));
    return token === undefined ? undefined : new ProjectionLease(redis, projection, token, sentAt, options);
  }

  /** Whether this runner still believes it holds the lease. */
  get held(): boolean {
    return this.#state === 'held';
  }

  /** Stops renewing and frees the lease (if still ours), so a successor need not wait for the TTL. */
  async release(): Promise<void> {
    if (this.#state !== 'held') return;
    this.#stop('released');
    await releaseLease(this.#redis, this.projection, this.token);
  }

  async #renew(): Promise<void> {
    if (performance.now() - this.#renewedAt >= this.#options.ttlMs) {
      this.#lose(`no renewal succeeded within the ${this.#options.ttlMs} ms ttl`);
      return;
    }
    // A renewal still in flight (slow Redis) is not doubled; the expiry check above still runs.
    if (this.#renewing) return;
    this.#renewing = true;
    const sentAt = performance.now();
    try {
      const renewed = await renewLease(this.#redis, this.projection, this.token, this.#options.ttlMs);
      if (!renewed) this.#lose('the lease expired and another runner took it');
      else this.#renewedAt = sentAt;
    } catch (error) {
      if (this.#state === 'held') this.#options.onError?.(error);
    } finally {
      this.#renewing = false;
    }
  }

  #lose(reason: string): void {
    if (this.#state !== 'held') return;
    this.#stop('lost');
    this.#options.onLost?.(reason);
  }

  #stop(state: 'lost' | 'released'): void {
    this.#state = state;
    clearInterval(this.#timer);
  }
}
