import { ConsistencyTimeoutError, type ServiceUnavailableError } from '../errors.js';
import type { ConsistencyWaitOutcome } from '../metrics/esgraph-metrics.js';
import type { SubscriberHub } from '../pubsub/subscriber-hub.js';
import type { RedisClient } from '../redis/client.js';
import type { KeySpace } from './keys.js';
import { ProgressWatch } from './progress-watch.js';

export interface PositionWaiterOptions {
  /** How long a projection stays watched after its last waiter left, so bursts reuse it. */
  readonly idleMs?: number;
  /** Background re-reads that failed (Redis unreachable); the affected waits rely on their timeout. */
  readonly onError?: (error: unknown) => void;
  /** Told how each `waitFor` ended and how long it took (metrics). */
  readonly onWait?: (outcome: ConsistencyWaitOutcome, seconds: number) => void;
}

interface Slot {
  readonly opening: Promise<ProgressWatch>;
  users: number;
  idleTimer?: NodeJS.Timeout;
}

/**
 * `consistentWith`: waits until projections have applied a position of $all. Waits are woken by
 * the checkpoint advances each commit publishes, never by polling. All waits of a process share
 * one watch per projection, and all watches share the hub's one subscriber connection, so a
 * thousand concurrent waits cost one subscription and one read, not a thousand.
 */
export class PositionWaiter {
  readonly #redis: RedisClient;
  readonly #hub: SubscriberHub;
  readonly #idleMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #onWait: ((outcome: ConsistencyWaitOutcome, seconds: number) => void) | undefined;
  readonly #slots = new Map<string, Slot>();
  readonly #stopLosses: () => void;
  /** How to fail each wait in progress: the subscriber connection was lost. */
  readonly #pending = new Set<(error: ServiceUnavailableError) => void>();

  constructor(redis: RedisClient, hub: SubscriberHub, options: PositionWaiterOptions = {}) {
    this.#redis = redis;
    this.#hub = hub;
    this.#idleMs = options.idleMs ?? 10_000;
    this.#onError = options.onError ?? (() => undefined);
    this.#onWait = options.onWait;
    // A Redis that comes back may have lost its last writes (or everything), so what the watches
    // know is no longer true: forget them all, and fail the waits at once rather than at their
    // timeout. The next wait opens a fresh watch and reads the checkpoints again.
    this.#stopLosses = hub.onLost((error) => {
      for (const fail of this.#pending) fail(error);
      this.#forgetWatches();
    });
  }

  /**
   * Resolves once every projection named has applied `position` (its active version's checkpoint
   * is at or past it), with the key space of the version that did: read from those, so a version
   * switch between the wait and the read cannot hand back a version that has not caught up.
   * Already applied positions resolve without a round trip while the projection is watched.
   *
   * @throws ConsistencyTimeoutError if that has not happened within `timeoutMs`, subscribing included.
   * @throws ServiceUnavailableError when the Redis subscriber connection is down or lost meanwhile.
   */
  async waitFor(
    projections: readonly string[],
    position: bigint,
    timeoutMs: number,
  ): Promise<ReadonlyMap<string, KeySpace>> {
    const onWait = this.#onWait;
    if (onWait === undefined) return this.#waitFor(projections, position, timeoutMs);
    const startedAt = performance.now();
    try {
      const spaces = await this.#waitFor(projections, position, timeoutMs);
      onWait('reached', (performance.now() - startedAt) / 1000);
      return spaces;
    } catch (error) {
      onWait(
        error instanceof ConsistencyTimeoutError ? 'timeout' : 'unavailable',
        (performance.now() - startedAt) / 1000,
      );
      throw error;
    }
  }

  async #waitFor(
    projections: readonly string[],
    position: bigint,
    timeoutMs: number,
  ): Promise<ReadonlyMap<string, KeySpace>> {
    const names = [...new Set(projections)];
    if (names.length === 0) return new Map();
    const slots = names.map((name) => [name, this.#acquire(name)] as const);
    const passed = new Map<string, KeySpace>();
    const cancels: (() => void)[] = [];
    let watches: readonly ProgressWatch[] | undefined;
    let timer: NodeJS.Timeout | undefined;
    let fail!: (error: ServiceUnavailableError) => void;
    const timeout = new Promise<never>((_, reject) => {
      fail = reject;
      this.#pending.add(fail);
      timer = setTimeout(() => {
        const behind = watches?.filter((watch) => !passed.has(watch.name)).map((watch) => watch.describe());
        const where = behind?.join(', ') ?? `still subscribing to ${names.join(', ')}`;
        reject(new ConsistencyTimeoutError(`not at position ${position} within ${timeoutMs} ms: ${where}`));
      }, timeoutMs);
    });
    try {
      watches = await Promise.race([Promise.all(slots.map(([, slot]) => slot.opening)), timeout]);
      const all = watches;
      const allPassed = new Promise<ReadonlyMap<string, KeySpace>>((resolve) => {
        const onPassed = (space: KeySpace): void => {
          passed.set(space.name, space);
          if (passed.size === all.length) resolve(passed);
        };
        for (const watch of all) cancels.push(watch.whenPassed(position, onPassed));
      });
      return await Promise.race([allPassed, timeout]);
    } finally {
      clearTimeout(timer);
      this.#pending.delete(fail);
      for (const cancel of cancels) cancel();
      for (const [name, slot] of slots) this.#release(name, slot);
    }
  }

  /**
   * The key spaces readers should use now, without waiting for any position (undefined for a
   * projection that has no active version yet). Served from the watch while the projection is
   * watched, so steady traffic costs no round trip.
   */
  async activeSpaces(projections: readonly string[]): Promise<ReadonlyMap<string, KeySpace | undefined>> {
    const names = [...new Set(projections)];
    const slots = names.map((name) => [name, this.#acquire(name)] as const);
    try {
      const watches = await Promise.all(slots.map(([, slot]) => slot.opening));
      return new Map(watches.map((watch) => [watch.name, watch.activeSpace()]));
    } finally {
      for (const [name, slot] of slots) this.#release(name, slot);
    }
  }

  /** Stops watching everything; pending waits run into their timeouts. */
  async close(): Promise<void> {
    this.#stopLosses();
    await this.#forgetWatches();
  }

  #forgetWatches(): Promise<unknown> {
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    for (const slot of slots) clearTimeout(slot.idleTimer);
    return Promise.allSettled(slots.map((slot) => slot.opening.then((watch) => watch.close())));
  }

  #acquire(name: string): Slot {
    let slot = this.#slots.get(name);
    if (slot === undefined) {
      const opening = ProgressWatch.open(this.#redis, this.#hub, name, this.#onError);
      const created: Slot = { opening, users: 0 };
      // A failed open is forgotten, so the next wait tries again instead of inheriting the error.
      opening.catch(() => {
        if (this.#slots.get(name) === created) this.#slots.delete(name);
      });
      this.#slots.set(name, created);
      slot = created;
    }
    slot.users++;
    clearTimeout(slot.idleTimer);
    return slot;
  }

  #release(name: string, slot: Slot): void {
    slot.users--;
    if (slot.users > 0) return;
    slot.idleTimer = setTimeout(() => {
      if (slot.users > 0 || this.#slots.get(name) !== slot) return;
      this.#slots.delete(name);
      slot.opening.then((watch) => watch.close()).catch(this.#onError);
    }, this.#idleMs);
    slot.idleTimer.unref();
  }
}
