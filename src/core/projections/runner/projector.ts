import type { EventStoreClient } from '../../eventstore/client.js';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../redis/client.js';
import type { Tracing } from '../../tracing/tracing.js';
import { eventScope, failurePolicyOf } from '../event-scope.js';
import type { Projection } from '../projection.js';
import { LaneGroup } from './lane-group.js';
import { ProjectionLane, type RunnerStatus } from './projection-lane.js';
import { type BatchObserver, SharedFeed } from './shared-feed.js';

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
  /** Told of each batch a projection committed (metrics). */
  readonly onBatch?: BatchObserver;
  /** Spans for each batch, linked to the commands whose events it applies. */
  readonly tracing?: Tracing | undefined;
}

/**
 * The projector role: every projection's writer in this process, fed by one shared
 * subscription to $all. Any number of processes may run it; each projection's lease decides which
 * one writes it, and the others stand ready to take over when it goes away.
 */
export class Projector extends LaneGroup<RunnerStatus> {
  constructor(
    dependencies: { readonly eventStore: EventStoreClient; readonly redis: RedisClient; readonly log: Logger },
    projections: readonly Projection[],
    options: ProjectorOptions = {},
  ) {
    assertDeclarations(projections);
    const { eventStore, redis, log } = dependencies;
    const feed = new SharedFeed(
      eventStore,
      { maxItems: options.maxBatch ?? 2000, windowMs: options.batchWindowMs ?? 2 },
      log,
    );
    const lanes = projections.map((projection) => {
      const rebuildAs = options.rebuildAs?.get(projection.name);
      return new ProjectionLane(
        redis,
        feed,
        projection,
        {
          leaseTtlMs: options.leaseTtlMs ?? 10_000,
          ...(options.owner === undefined ? {} : { owner: options.owner }),
          ...(rebuildAs === undefined ? {} : { rebuildAs }),
          ...(options.onBatch === undefined ? {} : { onBatch: options.onBatch }),
          tracing: options.tracing,
        },
        log,
      );
    });
    super(feed, lanes);
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
