import { type BackoffPolicy, backOff, SleepAbortedError, sleep } from '../backoff.js';
import type { CommandPipeline } from '../commands/command-pipeline.js';
import type { EventEnvelope } from '../eventstore/event-envelope.js';
import type { Logger } from '../logger.js';
import { readCheckpoint } from '../projections/checkpoint.js';
import { commitUntilAnswered } from '../projections/commit-batch.js';
import { type ProjectionId, processManagerId } from '../projections/keys.js';
import { ProjectionLease } from '../projections/projection-lease.js';
import { LaneLifecycle, type LaneStatus } from '../projections/runner/lane-lifecycle.js';
import { afterFailedSession } from '../projections/runner/session-backoff.js';
import type { BatchObserver, FeedLane, SharedFeed } from '../projections/runner/shared-feed.js';
import { onConnectionLost, type RedisClient } from '../redis/client.js';
import { traceBatch } from '../tracing/batch-spans.js';
import type { Tracing } from '../tracing/tracing.js';
import { processManagerConcurrency } from './declarations.js';
import { EventHandling } from './event-handling.js';
import type { ProcessManager } from './process-manager.js';
import { ReactionWindow } from './reaction-window.js';

export interface ProcessManagerLaneOptions {
  readonly leaseTtlMs: number;
  /** Names this process in lease tokens (status shows who runs it). */
  readonly owner?: string;
  /** Between sends of a command refused for a reason that passes. */
  readonly retry?: BackoffPolicy;
  /** Told of each batch the feed handed over, and how long its window took to take it all. */
  readonly onBatch?: BatchObserver;
  /** A span per reaction, linked to the command whose event it reacts to. */
  readonly tracing?: Tracing | undefined;
}

export type ProcessManagerState = 'starting' | 'stand-by' | 'catching-up' | 'live' | 'stopped';

/**
 * What a lane reports about itself: the process manager's progress as this process sees it. Its
 * checkpoint is the last $all position whose reaction is acknowledged, as far as this process knows.
 */
export interface ProcessManagerStatus extends LaneStatus<ProcessManagerState> {
  /** Sends of a command that was refused for a reason that passes, since it started. */
  readonly resent: number;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

type SessionEnd = 'stopped' | 'lease-lost' | 'failed';

/** The lane's work while it holds the lease. */
interface Session {
  readonly leaseToken: string;
  /** Aborted when the session ends: waits end, nothing more is sent. */
  readonly signal: AbortSignal;
  readonly end: (end: SessionEnd, error?: unknown) => void;
  /** The events taken from the feed and not yet checkpointed past, and their reactions. */
  readonly window: ReactionWindow;
}

/**
 * One process manager's runner in this process. It takes the process manager's lease (a node
 * that cannot stands by and tries again every third of the TTL), reads its checkpoint and
 * follows the process's shared feed from there: each event in scope is decoded, `react`ed to,
 * and its steps are sent through the command pipeline, several events' reactions side by side
 * (`ReactionWindow`); only when every command is acknowledged, for the event and every event
 * before it, does the checkpoint move past it, fenced by the lease like a projection's commit. A
 * crash anywhere replays from the checkpoint, and the replayed commands, under the same derived
 * ids, are answered from the stream instead of appended again.
 */
export class ProcessManagerLane implements FeedLane {
  readonly #id: ProjectionId;
  readonly #handling: EventHandling;
  readonly #log: Logger;
  readonly #life = new LaneLifecycle<ProcessManagerState>({
    run: () => this.#run(),
    endSession: () => this.#session?.end('stopped'),
  });
  #resent = 0;
  #session: Session | undefined;

  constructor(
    private readonly dependencies: {
      readonly redis: RedisClient;
      readonly pipeline: CommandPipeline;
      readonly feed: SharedFeed;
    },
    readonly processManager: ProcessManager,
    private readonly options: ProcessManagerLaneOptions,
    log: Logger,
  ) {
    this.#id = processManagerId(processManager.name);
    this.#log = log.child({ processManager: processManager.name });
    this.#handling = new EventHandling(processManager, {
      redis: dependencies.redis,
      pipeline: dependencies.pipeline,
      log: this.#log,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      onFailure: (error) => {
        this.#life.lastError = messageOf(error);
      },
      onPassingRefusal: (error) => {
        this.#resent++;
        this.#life.lastError = messageOf(error);
      },
    });
  }

  /** Starts the lane's loop; once it runs, starting again does nothing. */
  readonly start = (): void => this.#life.start();
  /** Stops the loop and waits for it to wind down. */
  readonly stop = (): Promise<void> => this.#life.stop();

  get checkpoint(): bigint | undefined {
    return this.#life.checkpoint;
  }

  status(): ProcessManagerStatus {
    return {
      ...this.#life.status(this.processManager.name, this.#session?.window.pending ?? 0),
      resent: this.#resent,
    };
  }

  apply(events: readonly EventEnvelope[]): Promise<void> {
    const session = this.#session;
    if (!session || session.signal.aborted) return Promise.resolve();
    const after = session.window.lastTaken ?? this.#life.checkpoint;
    const mine = after === undefined ? events : events.filter((event) => event.position > after);
    if (mine.length === 0) return Promise.resolve();
    const { onBatch } = this.options;
    if (onBatch === undefined) return session.window.take(mine);
    // Reactions run side by side, so a batch has no commit of its own: what is timed is how long
    // the feed waited for the window to take all of it.
    const startedAt = performance.now();
    return session.window
      .take(mine)
      .then(() => onBatch(this.processManager.name, mine.length, (performance.now() - startedAt) / 1000));
  }

  caughtUp(): void {
    if (this.#session && !this.#session.signal.aborted) this.#life.state = 'live';
  }

  /** The session's window: its reactions go through the lane's handling, its commits are fenced by the lease. */
  #windowFor(signal: AbortSignal, leaseToken: string, end: Session['end']): ReactionWindow {
    const handlingSession = { leaseToken, signal };
    return new ReactionWindow(
      {
        signal,
        react: async (event) => {
          const { tracing } = this.options;
          const handled =
            tracing === undefined
              ? await this.#handling.handle(handlingSession, event)
              : await traceBatch(tracing, `process manager ${this.processManager.name}`, [event], () =>
                  this.#handling.handle(handlingSession, event),
                );
          if (handled === 'parked') this.#life.parked++;
          return handled;
        },
        checkpoint: (position) => this.#checkpointAt(signal, leaseToken, position),
        end: (error) =>
          error === undefined
            ? end('lease-lost')
            : end(error instanceof SleepAbortedError ? 'stopped' : 'failed', error),
      },
      processManagerConcurrency(this.processManager),
    );
  }

  /** Moves the checkpoint to `position`, fenced by the lease; false when the lease is gone. */
  async #checkpointAt(signal: AbortSignal, leaseToken: string, position: bigint): Promise<boolean> {
    const result = await commitUntilAnswered(
      this.dependencies.redis,
      { projection: this.#id, ops: [], checkpoint: position, leaseToken },
      this.#log,
      signal,
    );
    if (result.status === 'fenced') return false;
    this.#life.checkpoint = result.status === 'stale' ? result.checkpoint : position;
    return true;
  }

  async #run(): Promise<void> {
    for (let failures = 0; !this.#life.signal.aborted; ) {
      try {
        const lease = await ProjectionLease.acquire(this.dependencies.redis, this.#id, {
          ttlMs: this.options.leaseTtlMs,
          ...(this.options.owner === undefined ? {} : { owner: this.options.owner }),
          onLost: (reason) => {
            this.#log.warn({ reason }, 'lost the process manager lease');
            this.#session?.end('lease-lost');
          },
          onError: (error) => this.#log.warn({ err: error }, 'could not renew the process manager lease; retrying'),
        });
        if (!lease) {
          this.#life.state = 'stand-by';
          await sleep(this.options.leaseTtlMs / 3, this.#life.signal);
          continue;
        }
        try {
          await this.#runSession(lease);
          failures = 0;
        } finally {
          await lease.release().catch(() => undefined);
        }
      } catch (error) {
        if (error instanceof SleepAbortedError || this.#life.signal.aborted) break;
        failures++;
        this.#life.lastError = messageOf(error);
        this.#log.warn({ err: error, failures }, 'process manager session failed; starting again from its checkpoint');
        await backOff(afterFailedSession(error), failures - 1, this.#life.signal).catch(() => undefined);
      }
    }
    this.#life.state = 'stopped';
  }

  /** Follows the feed from the stored checkpoint until the session ends; rethrows what ended it in failure. */
  async #runSession(lease: ProjectionLease): Promise<void> {
    this.#life.checkpoint = await readCheckpoint(this.dependencies.redis, this.#id);
    this.#life.state = 'catching-up';
    const ended = new AbortController();
    let finish!: (outcome: { end: SessionEnd; error?: unknown }) => void;
    const finished = new Promise<{ end: SessionEnd; error?: unknown }>((resolve) => {
      finish = resolve;
    });
    const end: Session['end'] = (end, error) => {
      if (ended.signal.aborted) return;
      ended.abort();
      finish({ end, error });
    };
    const session: Session = {
      leaseToken: lease.token,
      signal: ended.signal,
      end,
      window: this.#windowFor(ended.signal, lease.token, end),
    };
    this.#session = session;
    // The lease may have gone while the checkpoint was read, before onLost could reach a session.
    if (this.#life.signal.aborted) session.end('stopped');
    else if (!lease.held) session.end('lease-lost');
    // A lost connection may come back to a Redis that lost its last writes: read everything again.
    const stopWatching = onConnectionLost(this.dependencies.redis, (error) => session.end('failed', error));
    this.dependencies.feed.join(this);
    try {
      const { end, error } = await finished;
      this.#log.info({ end }, 'process manager session ended');
      if (end !== 'stopped') this.#life.state = 'stand-by';
      if (end === 'failed') throw error;
    } finally {
      stopWatching();
      this.dependencies.feed.leave(this);
      this.#session = undefined;
      // No send outlives the session: the lease is given up only after this.
      await session.window.settled();
    }
  }
}
