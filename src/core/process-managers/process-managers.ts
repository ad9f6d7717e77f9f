import type { BackoffPolicy } from '../backoff.js';
import type { CommandPipeline } from '../commands/command-pipeline.js';
import type { EventStoreClient } from '../eventstore/client.js';
import type { Logger } from '../logger.js';
import { LaneGroup } from '../projections/runner/lane-group.js';
import { type BatchObserver, SharedFeed } from '../projections/runner/shared-feed.js';
import type { RedisClient } from '../redis/client.js';
import type { Tracing } from '../tracing/tracing.js';
import { assertProcessManagers } from './declarations.js';
import type { ProcessManager } from './process-manager.js';
import { ProcessManagerLane, type ProcessManagerStatus } from './process-manager-lane.js';

export interface ProcessManagersOptions {
  /** Events handed over together at most. Default 500. */
  readonly maxBatch?: number;
  /** How long a batch waits for more events after its first. Default 2 ms. */
  readonly batchWindowMs?: number;
  /** The leases' time to live; each is renewed every third of it. Default 10 s. */
  readonly leaseTtlMs?: number;
  /** Names this process in lease tokens. */
  readonly owner?: string;
  /** Between sends of a command refused for a reason that passes (default: 50 ms doubling to 5 s, jittered). */
  readonly retry?: BackoffPolicy;
  /** Told of each batch a process manager handled (metrics). */
  readonly onBatch?: BatchObserver;
  /** Spans for each batch, linked to the commands whose events it reacts to. */
  readonly tracing?: Tracing | undefined;
}

/**
 * The process-manager role: every process manager's runner in this process, fed by one
 * subscription to $all of its own. It is not the projector's feed: the feed moves at the pace
 * of its slowest lane, and a reaction waits on command round trips (and on retries while a
 * dependency is away), which must not hold the read models back. Any number of processes may
 * run the role; each process manager's lease decides which one runs it.
 */
export class ProcessManagers extends LaneGroup<ProcessManagerStatus> {
  constructor(
    dependencies: {
      readonly eventStore: EventStoreClient;
      readonly redis: RedisClient;
      readonly pipeline: CommandPipeline;
      readonly log: Logger;
    },
    processManagers: readonly ProcessManager[],
    options: ProcessManagersOptions = {},
  ) {
    assertProcessManagers(processManagers);
    const { eventStore, redis, pipeline, log } = dependencies;
    const feed = new SharedFeed(
      eventStore,
      { maxItems: options.maxBatch ?? 500, windowMs: options.batchWindowMs ?? 2 },
      log,
    );
    const laneOptions = {
      leaseTtlMs: options.leaseTtlMs ?? 10_000,
      ...(options.owner === undefined ? {} : { owner: options.owner }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.onBatch === undefined ? {} : { onBatch: options.onBatch }),
      tracing: options.tracing,
    };
    super(
      feed,
      processManagers.map(
        (processManager) => new ProcessManagerLane({ redis, pipeline, feed }, processManager, laneOptions, log),
      ),
    );
  }
}
