import { excludeSystemEvents, type ResolvedEvent, START, type StreamSubscription } from '@eventstore/db-client';
import type { EventStoreClient } from '../../eventstore/client.js';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../redis/client.js';
import { activateVersion, readActiveVersion } from '../active-version.js';
import { readCheckpoint } from '../checkpoint.js';
import { defaultFailurePolicy, type FailurePolicy } from '../failure-policy.js';
import type { ProjectionId } from '../keys.js';
import type { ProjectedEvent, Projection } from '../projection.js';
import { ProjectionLease } from '../projection-lease.js';
import { BatchProjector, ProjectionHaltedError } from './batch-projector.js';
import { deleteBuild } from './build-cleanup.js';
import { type BuildPlan, planBuild } from './builds.js';
import { batchesOf } from './event-batches.js';
import { toProjectedEvent } from './projected-event.js';

export interface ProjectionRunnerOptions {
  /** Events per commit at most. Default 500. */
  readonly maxBatch?: number;
  /** How long a batch waits for more events after its first. Default 2 ms. */
  readonly batchWindowMs?: number;
  /** The lease's time to live; it is renewed every third of it. Default 10 s. */
  readonly leaseTtlMs?: number;
  /** What to do about an event the handler cannot handle. Default: 5 attempts, then park. */
  readonly failurePolicy?: FailurePolicy;
  /** Names this process in lease tokens (status shows who writes). */
  readonly owner?: string;
  /** Build this (fresh) build beside the active one and switch readers to it: `projections rebuild`. */
  readonly rebuildAs?: number;
}

export type RunnerState = 'starting' | 'stand-by' | 'waiting-for-lease' | 'catching-up' | 'live' | 'stopped' | 'halted';

/** What a runner reports about itself: the projection's progress as this process sees it. */
export interface RunnerStatus {
  readonly name: string;
  readonly codeVersion: number;
  /** The build (key space version) it writes, while it holds a lease. */
  readonly build: number | undefined;
  readonly state: RunnerState;
  /** The last $all position committed. */
  readonly checkpoint: bigint | undefined;
  /** The furthest $all position this runner has heard of (events and filter checkpoints). */
  readonly headSeen: bigint | undefined;
  /** Events received and not yet committed. */
  readonly pendingEvents: number;
  /** How old the oldest uncommitted event is; 0 when there is none. */
  readonly lagMs: number;
  /** Events this runner parked since it started. */
  readonly parked: number;
  readonly lastError: string | undefined;
}

/** Why a session with one build ended. */
type SessionEnd = 'stopped' | 'lease-lost' | 'superseded' | 'subscription-ended';

class StoppedError extends Error {}

/**
 * Keeps one projection's read model up to date, in any number of processes of which one writes.
 *
 * It plans against the build readers use (follow it, build a newer code version beside it, or
 * stand by for newer code), takes that build's lease, and follows $all (without system events)
 * from the build's checkpoint. Events are batched (by
 * count and a short window) and each batch commits its ops together with the checkpoint, fenced
 * by the lease: a crash anywhere replays from the checkpoint and applies nothing twice. A
 * replacement build is switched to once it has caught up, and the old build is deleted. Losing
 * the lease, the event store or Redis ends the session; the runner then starts over from the
 * checkpoint, with backoff.
 */
export class ProjectionRunner {
  readonly #eventStore: EventStoreClient;
  readonly #redis: RedisClient;
  readonly #log: Logger;
  readonly #options: Required<Omit<ProjectionRunnerOptions, 'owner' | 'rebuildAs'>> &
    Pick<ProjectionRunnerOptions, 'owner' | 'rebuildAs'>;
  readonly #stopping = new AbortController();
  #running: Promise<void> | undefined;
  #subscription: StreamSubscription | undefined;
  #sessionEnd: SessionEnd | undefined;
  #state: RunnerState = 'starting';
  #build: number | undefined;
  #checkpoint: bigint | undefined;
  #headSeen: bigint | undefined;
  /** Received from the subscription and not yet committed, oldest first. */
  #uncommitted: ProjectedEvent[] = [];
  #parked = 0;
  #lastError: string | undefined;

  constructor(
    dependencies: { readonly eventStore: EventStoreClient; readonly redis: RedisClient; readonly log: Logger },
    readonly projection: Projection,
    options: ProjectionRunnerOptions = {},
  ) {
    this.#eventStore = dependencies.eventStore;
    this.#redis = dependencies.redis;
    this.#log = dependencies.log.child({ projection: projection.name });
    this.#options = {
      maxBatch: options.maxBatch ?? 500,
      batchWindowMs: options.batchWindowMs ?? 2,
      leaseTtlMs: options.leaseTtlMs ?? 10_000,
      failurePolicy: options.failurePolicy ?? defaultFailurePolicy,
      ...(options.owner === undefined ? {} : { owner: options.owner }),
      ...(options.rebuildAs === undefined ? {} : { rebuildAs: options.rebuildAs }),
    };
  }

  /** Starts working in the background; `stop()` ends it. */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Ends the subscription, lets the batch in hand commit, releases the lease. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#endSession('stopped');
    await this.#running;
    this.#state = 'stopped';
  }

  status(): RunnerStatus {
    const oldest = this.#uncommitted[0];
    return {
      name: this.projection.name,
      codeVersion: this.projection.version,
      build: this.#build,
      state: this.#state,
      checkpoint: this.#checkpoint,
      headSeen: this.#headSeen,
      pendingEvents: this.#uncommitted.length,
      lagMs: oldest ? Math.max(0, Date.now() - oldest.created.getTime()) : 0,
      parked: this.#parked,
      lastError: this.#lastError,
    };
  }

  async #run(): Promise<void> {
    for (let failures = 0; !this.#stopping.signal.aborted; ) {
      try {
        const active = await readActiveVersion(this.#redis, this.projection.name);
        const plan = planBuild(this.projection, active, this.#options.rebuildAs);
        if (plan.kind === 'stand-by') {
          this.#state = 'stand-by';
          await this.#sleep(this.#options.leaseTtlMs / 3);
          continue;
        }
        const worked = await this.#withLease(plan);
        if (worked) failures = 0;
        else await this.#sleep(this.#options.leaseTtlMs / 3);
      } catch (error) {
        if (error instanceof StoppedError || this.#stopping.signal.aborted) break;
        this.#lastError = error instanceof Error ? error.message : String(error);
        if (error instanceof ProjectionHaltedError) {
          this.#state = 'halted';
          this.#log.error({ err: error }, 'projection halted');
          return;
        }
        failures++;
        this.#log.warn({ err: error, failures }, 'projection session failed; starting again from its checkpoint');
        await this.#sleep(Math.min(10_000, 100 * 2 ** failures)).catch(() => undefined);
      }
    }
    this.#state = 'stopped';
  }

  /** Runs a session on the plan's build if its lease can be had; false when someone else holds it. */
  async #withLease(plan: Exclude<BuildPlan, { kind: 'stand-by' }>): Promise<boolean> {
    this.#state = 'waiting-for-lease';
    const build: ProjectionId = { name: this.projection.name, version: plan.build };
    const lease = await ProjectionLease.acquire(this.#redis, build, {
      ttlMs: this.#options.leaseTtlMs,
      ...(this.#options.owner === undefined ? {} : { owner: this.#options.owner }),
      onLost: (reason) => {
        this.#log.warn({ reason }, 'lost the projection lease');
        this.#endSession('lease-lost');
      },
    });
    if (!lease) return false;
    this.#build = plan.build;
    try {
      const end = await this.#session(plan, build, lease.token);
      this.#log.info({ build: plan.build, end }, 'projection session ended');
      return true;
    } finally {
      this.#build = undefined;
      this.#uncommitted = [];
      await lease.release().catch(() => undefined);
    }
  }

  async #session(plan: Exclude<BuildPlan, { kind: 'stand-by' }>, build: ProjectionId, leaseToken: string) {
    this.#sessionEnd = undefined;
    if (plan.kind === 'first') await activateVersion(this.#redis, build);
    this.#checkpoint = await readCheckpoint(this.#redis, build);
    this.#state = 'catching-up';
    const projector = new BatchProjector({
      redis: this.#redis,
      projection: this.projection,
      build,
      leaseToken,
      policy: this.#options.failurePolicy,
      log: this.#log,
      sleep: (ms) => this.#sleep(ms),
    });
    const subscription = this.#subscribe(this.#checkpoint);
    const watch = setInterval(() => void this.#checkStillActive(plan), this.#options.leaseTtlMs / 3);
    let caughtUp = false;
    const readyToSwitch = () => caughtUp && subscription.readableLength === 0 && this.#uncommitted.length === 0;
    const switchOnceCaughtUp = async () => {
      if (plan.kind !== 'replace' || !readyToSwitch() || this.#sessionEnd) return;
      await activateVersion(this.#redis, build);
      const removed = await deleteBuild(this.#redis, { name: build.name, version: plan.replacing });
      this.#log.info(
        { build: build.version, replaced: plan.replacing, removed },
        'switched readers to the rebuilt projection',
      );
      plan = { kind: 'follow', build: build.version };
    };
    subscription.on('caughtUp', () => {
      caughtUp = true;
      this.#state = 'live';
      // With nothing in hand the switch can happen now; otherwise after the batch in hand.
      if (readyToSwitch())
        switchOnceCaughtUp().catch((error: unknown) => this.#endSession('subscription-ended', error));
    });
    try {
      const events = this.#projectedEvents(subscription);
      for await (const batch of batchesOf(events, {
        maxItems: this.#options.maxBatch,
        windowMs: this.#options.batchWindowMs,
      })) {
        const outcome = await projector.project(batch);
        if (outcome.kind === 'fenced') return this.#endSession('lease-lost');
        this.#checkpoint = batch[batch.length - 1]!.position;
        this.#uncommitted.splice(0, batch.length);
        this.#parked += outcome.parked;
        if (!outcome.active && plan.kind !== 'replace') return this.#endSession('superseded');
        await switchOnceCaughtUp();
        if (this.#sessionEnd) break;
      }
      return this.#sessionEnd ?? 'subscription-ended';
    } finally {
      clearInterval(watch);
      this.#subscription = undefined;
      await subscription.unsubscribe().catch(() => undefined);
    }
  }

  /**
   * Follows $all without system events, filtered on the server. Events of types the projection
   * does not handle still come through and move its checkpoint: a projection's checkpoint then
   * says "everything up to here is applied", so a query that waits for a position (a deposit's)
   * on a read model that ignores deposits is answered at once instead of waiting for the next
   * event it does handle. For the bank's read models, which each handle most event types, the
   * extra events cost little.
   */
  #subscribe(checkpoint: bigint | undefined): StreamSubscription {
    const subscription = this.#eventStore.subscribeToAll({
      fromPosition: checkpoint === undefined ? START : { commit: checkpoint, prepare: checkpoint },
      filter: excludeSystemEvents({ checkpointReached: (_, position) => this.#hear(position.commit) }),
    });
    this.#subscription = subscription;
    return subscription;
  }

  /** The subscription's events as projections see them; `for await` over the stream, nothing else. */
  async *#projectedEvents(subscription: StreamSubscription): AsyncGenerator<ProjectedEvent> {
    for await (const resolved of subscription as AsyncIterable<ResolvedEvent>) {
      const event = toProjectedEvent(resolved);
      if (!event) continue;
      this.#hear(event.position);
      this.#uncommitted.push(event);
      yield event;
    }
  }

  #hear(position: bigint): void {
    if (this.#headSeen === undefined || position > this.#headSeen) this.#headSeen = position;
  }

  /** A rebuild elsewhere (or a reset) moved readers off this build: stop and plan again. */
  async #checkStillActive(plan: BuildPlan): Promise<void> {
    if (plan.kind === 'replace' || plan.kind === 'stand-by') return;
    try {
      const active = await readActiveVersion(this.#redis, this.projection.name);
      if (active !== plan.build) this.#endSession('superseded');
    } catch {
      // Redis unreachable: the commit path finds out and retries; nothing to decide here.
    }
  }

  #endSession(end: SessionEnd, error?: unknown): SessionEnd {
    if (error !== undefined) this.#log.warn({ err: error }, 'ending the projection session');
    this.#sessionEnd ??= end;
    const subscription = this.#subscription;
    // Ending the stream ends the `for await` over it once the batch in hand is done.
    if (subscription) void subscription.unsubscribe().catch(() => undefined);
    return end;
  }

  #sleep(ms: number): Promise<void> {
    const { signal } = this.#stopping;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new StoppedError());
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new StoppedError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
