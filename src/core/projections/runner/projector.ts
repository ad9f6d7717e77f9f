import type { EventStoreClient } from '../../eventstore/client.js';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../redis/client.js';
import { defaultFailurePolicy, type FailurePolicy } from '../failure-policy.js';
import type { Projection } from '../projection.js';
import { ProjectionLane, type RunnerStatus } from './projection-lane.js';
import { SharedFeed } from './shared-feed.js';

export interface ProjectorOptions {
  /** Events per commit at most. Default 2,000. */
  readonly maxBatch?: number;
  /** How long a batch waits for more events after its first. Default 2 ms. */
  readonly batchWindowMs?: number;
  /** The leases' time to live; each is renewed every third of it. Default 10 s. */
  readonly leaseTtlMs?: number;
  /** What to do about an event a handler cannot handle. Default: 5 attempts, then park. */
  readonly failurePolicy?: FailurePolicy;
  /** Names this process in lease tokens (status shows who writes). */
  readonly owner?: string;
  /** Projection name → a fresh build to make beside the active one (`projections rebuild`). */
  readonly rebuildAs?: ReadonlyMap<string, number>;
}

/**
 * The projector role: every projection's writer in this process, fed by one shared
 * subscription to $all. Any number of processes may run it; each projection's lease decides which
 * one writes it, and the others stand ready to take over when it goes away.
 */
export class Projector {
  readonly #feed: SharedFeed;
  readonly #lanes: ProjectionLane[];

  constructor(
    dependencies: { readonly eventStore: EventStoreClient; readonly redis: RedisClient; readonly log: Logger },
    projections: readonly Projection[],
    options: ProjectorOptions = {},
  ) {
    assertUniqueNames(projections);
    const { eventStore, redis, log } = dependencies;
    this.#feed = new SharedFeed(
      eventStore,
      { maxItems: options.maxBatch ?? 2000, windowMs: options.batchWindowMs ?? 2 },
      log,
    );
    this.#lanes = projections.map((projection) => {
      const rebuildAs = options.rebuildAs?.get(projection.name);
      return new ProjectionLane(
        redis,
        this.#feed,
        projection,
        {
          leaseTtlMs: options.leaseTtlMs ?? 10_000,
          failurePolicy: options.failurePolicy ?? defaultFailurePolicy,
          ...(options.owner === undefined ? {} : { owner: options.owner }),
          ...(rebuildAs === undefined ? {} : { rebuildAs }),
        },
        log,
      );
    });
  }

  start(): void {
    for (const lane of this.#lanes) lane.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.#lanes.map((lane) => lane.stop()));
    await this.#feed.stop();
  }

  statuses(): RunnerStatus[] {
    return this.#lanes.map((lane) => lane.status());
  }
}

const assertUniqueNames = (projections: readonly Projection[]): void => {
  const seen = new Set<string>();
  for (const { name } of projections) {
    if (seen.has(name)) throw new Error(`two projections are named ${JSON.stringify(name)}`);
    seen.add(name);
  }
};
