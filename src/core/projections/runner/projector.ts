import type { EventStoreClient } from '../../eventstore/client.js';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../redis/client.js';
import { eventScope, failurePolicyOf } from '../event-scope.js';
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
    assertDeclarations(projections);
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

/** Fails at start-up, not at the first event, on two projections of one name or a bad policy or category. */
const assertDeclarations = (projections: readonly Projection[]): void => {
  const seen = new Set<string>();
  for (const projection of projections) {
    if (seen.has(projection.name)) throw new Error(`two projections are named ${JSON.stringify(projection.name)}`);
    seen.add(projection.name);
    eventScope(projection);
    failurePolicyOf(projection);
  }
};
