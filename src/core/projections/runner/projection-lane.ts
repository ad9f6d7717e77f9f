import { backOff, SleepAbortedError, sleep } from '../../backoff.js';
import type { EventEnvelope } from '../../eventstore/event-envelope.js';
import type { Logger } from '../../logger.js';
import { onConnectionLost, type RedisClient } from '../../redis/client.js';
import { traceBatch } from '../../tracing/batch-spans.js';
import type { Tracing } from '../../tracing/tracing.js';
import { activateVersion, readActiveVersion } from '../active-version.js';
import { readCheckpoint } from '../checkpoint.js';
import { failurePolicyOf } from '../event-scope.js';
import type { FailurePolicy } from '../failure-policy.js';
import { describeHalt, readHalt } from '../halts.js';
import type { ProjectionId } from '../keys.js';
import type { Projection } from '../projection.js';
import { ProjectionLease } from '../projection-lease.js';
import { BatchProjector, ProjectionHaltedError } from './batch-projector.js';
import { deleteBuild } from './build-cleanup.js';
import { type BuildPlan, planBuild } from './builds.js';
import { LaneLifecycle, type LaneStatus } from './lane-lifecycle.js';
import { afterFailedSession } from './session-backoff.js';
import type { BatchObserver, FeedLane, SharedFeed } from './shared-feed.js';

export interface LaneOptions {
  readonly leaseTtlMs: number;
  /** Names this process in lease tokens (status shows who writes). */
  readonly owner?: string;
  /** Build this (fresh) build beside the active one and switch readers to it: `projections rebuild`. */
  readonly rebuildAs?: number;
  /** Told of each batch committed: its events, and its handlers' and commit's time together. */
  readonly onBatch?: BatchObserver;
  /** A span per batch, linked to the commands whose events it applies. */
  readonly tracing?: Tracing | undefined;
}

export type RunnerState = 'starting' | 'stand-by' | 'waiting-for-lease' | 'catching-up' | 'live' | 'stopped' | 'halted';

/** What a lane reports about itself: the projection's progress as this process sees it. */
export interface RunnerStatus extends LaneStatus<RunnerState> {
  /** The build (key space version) it writes, while it holds a lease. */
  readonly build: number | undefined;
}

/** Why a session with one build ended. */
type SessionEnd = 'stopped' | 'lease-lost' | 'superseded' | 'failed';

type ActivePlan = Exclude<BuildPlan, { kind: 'stand-by' }>;

/** A lane's work with one build, while it holds the build's lease. */
interface Session {
  plan: ActivePlan;
  readonly build: ProjectionId;
  readonly projector: BatchProjector;
  ended: boolean;
  readonly end: (end: SessionEnd, error?: unknown) => void;
}

/**
 * How long a replaced build is kept after readers switched away from it: a query that picked its
 * key space just before the switch may still be reading it.
 */
const REPLACED_BUILD_GRACE_MS = 2_000;

/**
 * One projection's writer in this process. It plans against the build readers use (follow it,
 * build a newer code version beside it, or stand by for newer code), takes that build's lease,
 * and then takes its events from the process's shared feed: each batch past its checkpoint
 * becomes one commit of its ops with the checkpoint, fenced by the lease, so a crash anywhere
 * replays from the checkpoint and applies nothing twice. A replacement build is switched to once
 * the feed has caught up, and the old build is deleted. Losing the lease, or a failure, ends the
 * session; the lane then plans again, with backoff.
 */
export class ProjectionLane implements FeedLane {
  readonly #log: Logger;
  readonly #life = new LaneLifecycle<RunnerState>({
    run: () => this.#run(),
    endSession: () => this.#session?.end('stopped'),
    windDown: async () => {
      await Promise.allSettled(this.#cleanups);
    },
  });
  #build: number | undefined;
  #applying: readonly EventEnvelope[] = [];
  #session: Session | undefined;
  readonly #policy: FailurePolicy;
  /** Replaced builds waiting out their grace period before they are deleted. */
  readonly #cleanups = new Set<Promise<void>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly feed: SharedFeed,
    readonly projection: Projection,
    private readonly options: LaneOptions,
    log: Logger,
  ) {
    this.#log = log.child({ projection: projection.name });
    this.#policy = failurePolicyOf(projection);
  }

  /** Starts the lane's loop; once it runs, starting again does nothing. */
  readonly start = (): void => this.#life.start();
  /** Stops the loop and waits for it to wind down. */
  readonly stop = (): Promise<void> => this.#life.stop();

  get checkpoint(): bigint | undefined {
    return this.#life.checkpoint;
  }

  status(): RunnerStatus {
    return { ...this.#life.status(this.projection.name, this.#applying.length), build: this.#build };
  }

  async apply(events: readonly EventEnvelope[]): Promise<void> {
    const session = this.#session;
    if (!session || session.ended) return;
    const checkpoint = this.#life.checkpoint;
    const mine = checkpoint === undefined ? events : events.filter((event) => event.position > checkpoint);
    if (mine.length === 0) return;
    this.#applying = mine;
    const { onBatch } = this.options;
    const startedAt = onBatch === undefined ? 0 : performance.now();
    try {
      const { tracing } = this.options;
      const outcome =
        tracing === undefined
          ? await session.projector.project(mine)
          : await traceBatch(tracing, `projection ${this.projection.name}`, mine, () =>
              session.projector.project(mine),
            );
      if (outcome.kind === 'fenced') return session.end('lease-lost');
      onBatch?.(this.projection.name, mine.length, (performance.now() - startedAt) / 1000);
      this.#life.checkpoint = mine[mine.length - 1]!.position;
      this.#life.parked += outcome.parked;
      if (!outcome.active && session.plan.kind !== 'replace') session.end('superseded');
    } catch (error) {
      session.end(error instanceof SleepAbortedError ? 'stopped' : 'failed', error);
    } finally {
      this.#applying = [];
    }
  }

  caughtUp(): void {
    const session = this.#session;
    if (!session || session.ended) return;
    this.#life.state = 'live';
    if (session.plan.kind !== 'replace') return;
    const { plan, build } = session;
    session.plan = { kind: 'follow', build: build.version };
    this.#switchTo(build, plan.replacing).catch((error: unknown) => session.end('failed', error));
  }

  /** Readers move to the rebuilt build; the build it replaces goes once no read can be using it. */
  async #switchTo(build: ProjectionId, replacing: number): Promise<void> {
    await activateVersion(this.redis, build);
    this.#log.info({ build: build.version, replaced: replacing }, 'switched readers to the rebuilt projection');
    const cleanup: Promise<void> = new Promise((resolve) => setTimeout(resolve, REPLACED_BUILD_GRACE_MS))
      .then(() => deleteBuild(this.redis, { name: build.name, version: replacing }))
      .then(
        (removed) => this.#log.info({ build: replacing, removed }, 'deleted the replaced build'),
        (error: unknown) => this.#log.warn({ err: error, build: replacing }, 'could not delete the replaced build'),
      )
      .finally(() => this.#cleanups.delete(cleanup));
    this.#cleanups.add(cleanup);
  }

  async #run(): Promise<void> {
    for (let failures = 0; !this.#life.signal.aborted; ) {
      try {
        const active = await readActiveVersion(this.redis, this.projection.name);
        const plan = planBuild(this.projection, active, this.options.rebuildAs);
        if (plan.kind === 'stand-by') {
          this.#life.state = 'stand-by';
          await this.#sleep(this.options.leaseTtlMs / 3);
          continue;
        }
        // A halted build stays halted on every node until an operator resumes, resets or rebuilds it.
        if (await this.#standsHalted(plan.build)) {
          await this.#sleep(this.options.leaseTtlMs / 3);
          continue;
        }
        const worked = await this.#withLease(plan);
        if (worked) failures = 0;
        else await this.#sleep(this.options.leaseTtlMs / 3);
      } catch (error) {
        if (error instanceof SleepAbortedError || this.#life.signal.aborted) break;
        this.#life.lastError = error instanceof Error ? error.message : String(error);
        if (error instanceof ProjectionHaltedError) {
          // Recorded in Redis: the next round finds the halt and waits for an operator there.
          this.#life.state = 'halted';
          this.#log.error({ err: error }, 'projection halted');
          continue;
        }
        failures++;
        this.#log.warn({ err: error, failures }, 'projection session failed; starting again from its checkpoint');
        await backOff(afterFailedSession(error), failures - 1, this.#life.signal).catch(() => undefined);
      }
    }
    this.#life.state = 'stopped';
  }

  /** Whether the build halted (recorded in Redis by whichever node halted it); if so, says so in status. */
  async #standsHalted(build: number): Promise<boolean> {
    const halt = await readHalt(this.redis, { name: this.projection.name, version: build });
    if (!halt) return false;
    this.#life.state = 'halted';
    this.#life.lastError = describeHalt(halt);
    return true;
  }

  /**
   * A lease lost because a rebuild or reset moved readers to another build (which deleted this
   * build, its lease with it) is routine: the lane follows the new build. Anything else (a renewal
   * that failed, another runner holding it) is worth a warning.
   */
  async #reportLostLease(build: ProjectionId, reason: string): Promise<void> {
    const active = await readActiveVersion(this.redis, build.name).catch(() => undefined);
    if (active !== undefined && active !== build.version) {
      this.#log.info(
        { build: build.version, active },
        'readers moved to another build (a rebuild or reset); following it',
      );
    } else {
      this.#log.warn({ reason }, 'lost the projection lease');
    }
  }

  /** Runs a session on the plan's build if its lease can be had; false when someone else holds it. */
  async #withLease(plan: ActivePlan): Promise<boolean> {
    this.#life.state = 'waiting-for-lease';
    const build: ProjectionId = { name: this.projection.name, version: plan.build };
    const lease = await ProjectionLease.acquire(this.redis, build, {
      ttlMs: this.options.leaseTtlMs,
      ...(this.options.owner === undefined ? {} : { owner: this.options.owner }),
      onLost: (reason) => {
        this.#session?.end('lease-lost');
        void this.#reportLostLease(build, reason);
      },
      onError: (error) => this.#log.warn({ err: error }, 'could not renew the projection lease; retrying'),
    });
    if (!lease) return false;
    // Read again under the lease: the previous holder may have halted between our look and our taking it.
    if (await this.#standsHalted(plan.build)) {
      await lease.release().catch(() => undefined);
      return true;
    }
    this.#build = plan.build;
    try {
      await this.#runSession(plan, build, lease.token);
      return true;
    } finally {
      this.#build = undefined;
      await lease.release().catch(() => undefined);
    }
  }

  /** Feeds the build until the session ends; rethrows what ended it in failure. */
  async #runSession(plan: ActivePlan, build: ProjectionId, leaseToken: string): Promise<void> {
    if (plan.kind === 'first') await activateVersion(this.redis, build);
    this.#life.checkpoint = await readCheckpoint(this.redis, build);
    this.#life.state = 'catching-up';
    let finish!: (outcome: { end: SessionEnd; error?: unknown }) => void;
    const finished = new Promise<{ end: SessionEnd; error?: unknown }>((resolve) => {
      finish = resolve;
    });
    const session: Session = {
      plan,
      build,
      projector: new BatchProjector({
        redis: this.redis,
        projection: this.projection,
        build,
        leaseToken,
        policy: this.#policy,
        log: this.#log,
        signal: this.#life.signal,
        tracing: this.options.tracing,
      }),
      ended: false,
      end: (end: SessionEnd, error?: unknown) => {
        if (session.ended) return;
        session.ended = true;
        finish({ end, error });
      },
    };
    this.#session = session;
    const watch = setInterval(() => void this.#checkStillActive(session), this.options.leaseTtlMs / 3);
    // Nothing this session knows survives a lost connection: the Redis that answers next may have
    // lost its last second of writes, or be a new, empty one. Ending the session makes the lane
    // read the active build, its lease and its checkpoint from Redis again before it writes.
    const stopWatching = onConnectionLost(this.redis, (error) => session.end('failed', error));
    this.feed.join(this);
    try {
      const { end, error } = await finished;
      this.#log.info({ build: build.version, end }, 'projection session ended');
      if (end === 'failed') throw error;
    } finally {
      clearInterval(watch);
      stopWatching();
      this.feed.leave(this);
      this.#session = undefined;
    }
  }

  /** A rebuild elsewhere (or a reset) moved readers off this build: end and plan again. */
  async #checkStillActive(session: Session): Promise<void> {
    if (session.plan.kind === 'replace') return;
    try {
      const active = await readActiveVersion(this.redis, this.projection.name);
      if (active !== session.build.version) session.end('superseded');
    } catch {
      // Redis unreachable: the commit path finds out and retries; nothing to decide here.
    }
  }

  #sleep(ms: number): Promise<void> {
    return sleep(ms, this.#life.signal);
  }
}
