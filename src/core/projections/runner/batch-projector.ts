import { sleep } from '../../backoff.js';
import type { EventEnvelope } from '../../eventstore/event-envelope.js';
import type { Logger } from '../../logger.js';
import type { RedisClient } from '../../redis/client.js';
import type { Tracing } from '../../tracing/tracing.js';
import { commitUntilAnswered } from '../commit-batch.js';
import { BatchRejectedError } from '../commit-ops.js';
import { eventScope } from '../event-scope.js';
import { failedEvent } from '../failed-event.js';
import { decideOnFailure, type FailurePolicy } from '../failure-policy.js';
import { describeHalt, type ProjectionHalt, recordHalt } from '../halts.js';
import type { ProjectionId } from '../keys.js';
import { parkEvent } from '../parking.js';
import type { Projection, RedisOp } from '../projection.js';

/** The event's ops, its notifications carrying the `traceparent` its metadata has (if any). */
const withTraceparent = (ops: readonly RedisOp[], event: EventEnvelope): readonly RedisOp[] => {
  const { traceparent } = event.metadata;
  if (typeof traceparent !== 'string') return ops;
  return ops.map((op) => (op.kind === 'notify' ? { ...op, traceparent } : op));
};

/** The projection gave up on an event and its policy says halt: a human must look first. */
export class ProjectionHaltedError extends Error {
  override readonly name = 'ProjectionHaltedError';

  constructor(
    build: ProjectionId,
    readonly halt: ProjectionHalt,
  ) {
    super(`projection ${build.name} ${describeHalt(halt)}`);
  }
}

/** How one batch ended. */
export type BatchOutcome =
  /** Applied (or found applied before): the checkpoint is at the batch's last event. */
  | { readonly kind: 'applied'; readonly active: boolean; readonly parked: number }
  /** This runner no longer holds the lease; nothing was written. */
  | { readonly kind: 'fenced' };

export interface BatchProjectorOptions {
  readonly redis: RedisClient;
  readonly projection: Projection;
  readonly build: ProjectionId;
  readonly leaseToken: string;
  readonly policy: FailurePolicy;
  readonly log: Logger;
  /** Aborts when the runner stops: a wait between retries then rejects at once. */
  readonly signal: AbortSignal;
  /** When set, each change notification carries its event's `traceparent` to the subscription push. */
  readonly tracing?: Tracing | undefined;
}

/**
 * Turns a batch of events into one commit: runs the pure handler on each event, commits all their
 * ops with the checkpoint at the last event and publishes their change notifications (atomically,
 * fenced by the lease). A handler that keeps throwing on an event, or whose ops Redis cannot
 * apply, gets its policy: retries, then the event is parked (recorded, visible, skipped) or the
 * projection halts. Redis being unreachable is not the event's fault, and nothing is ever
 * skipped for it: a lost connection ends the session (the Redis that comes back may have lost its
 * last writes, so the lane must read its checkpoint and lease again), while other commit failures
 * are retried until the commit goes through or the runner stops.
 */
export class BatchProjector {
  readonly #wants: (event: EventEnvelope) => boolean;

  constructor(private readonly options: BatchProjectorOptions) {
    this.#wants = eventScope(options.projection);
  }

  async project(events: readonly EventEnvelope[]): Promise<BatchOutcome> {
    const last = events[events.length - 1];
    if (!last) return { kind: 'applied', active: true, parked: 0 };
    const ops: RedisOp[] = [];
    let parked = 0;
    for (const [index, event] of events.entries()) {
      let handled: Awaited<ReturnType<BatchProjector['handle']>>;
      try {
        handled = await this.handle(event);
      } catch (error) {
        if (!(error instanceof ProjectionHaltedError)) throw error;
        // What came before the event still gets applied, so the checkpoint stops right before it.
        const previous = events[index - 1];
        if (previous && (await this.#commit(ops, previous.position)).kind === 'fenced') return { kind: 'fenced' };
        return this.#halt(error);
      }
      if (handled === 'fenced') return { kind: 'fenced' };
      if (handled === 'parked') parked++;
      else if (this.options.tracing !== undefined) ops.push(...withTraceparent(handled, event));
      else ops.push(...handled);
    }
    try {
      const outcome = await this.#commit(ops, last.position);
      return outcome.kind === 'applied' ? { ...outcome, parked: outcome.parked + parked } : outcome;
    } catch (error) {
      if (!(error instanceof BatchRejectedError)) throw error;
      // Some event's ops cannot apply. Alone, each event finds out whether it is the one.
      if (events.length === 1) return this.#giveUp(last, error, 1);
      return this.#oneByOne(events);
    }
  }

  async #oneByOne(events: readonly EventEnvelope[]): Promise<BatchOutcome> {
    let active = true;
    let parked = 0;
    for (const event of events) {
      const outcome = await this.project([event]);
      if (outcome.kind === 'fenced') return outcome;
      active = outcome.active;
      parked += outcome.parked;
    }
    return { kind: 'applied', active, parked };
  }

  /**
   * The event's ops, after retries if the handler throws; or what its policy made of it. An event
   * of a type the projection does not handle, of a stream outside its category, or of a version
   * newer code wrote, has none, but still moves the checkpoint. Decoding is part of handling: an
   * event that cannot be decoded gets the same policy as a handler that throws on it.
   */
  private async handle(event: EventEnvelope): Promise<readonly RedisOp[] | 'parked' | 'fenced'> {
    if (!this.#wants(event)) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        const { projection } = this.options;
        const decoded = projection.events.decode(event);
        return decoded === undefined ? [] : projection.project(decoded);
      } catch (error) {
        const decision = decideOnFailure(this.options.policy, attempt);
        if (decision.action !== 'retry') return this.#giveUpOn(event, error, attempt);
        this.options.log.warn(
          { err: error, eventId: event.id, type: event.type, attempt },
          'projection handler failed; retrying',
        );
        await sleep(decision.delayMs, this.options.signal);
      }
    }
  }

  /** Records the halt where every node sees it, fenced like a commit, then ends the session with it. */
  async #halt(error: ProjectionHaltedError): Promise<BatchOutcome> {
    const { redis, build, leaseToken } = this.options;
    if ((await recordHalt(redis, build, leaseToken, error.halt)) === 'fenced') return { kind: 'fenced' };
    throw error;
  }

  /** A lone event whose ops Redis refused: parked (and passed) or halted at, by its policy. */
  async #giveUp(event: EventEnvelope, error: unknown, attempts: number): Promise<BatchOutcome> {
    let result: 'parked' | 'fenced';
    try {
      result = await this.#giveUpOn(event, error, attempts);
    } catch (halted) {
      if (halted instanceof ProjectionHaltedError) return this.#halt(halted);
      throw halted;
    }
    if (result === 'fenced') return { kind: 'fenced' };
    // The event is parked; the checkpoint still has to move past it.
    const outcome = await this.#commit([], event.position);
    return outcome.kind === 'applied' ? { ...outcome, parked: 1 } : outcome;
  }

  async #giveUpOn(event: EventEnvelope, error: unknown, attempts: number): Promise<'parked' | 'fenced'> {
    const { redis, build, leaseToken, policy, log } = this.options;
    const failed = failedEvent(event, error, attempts);
    if (policy.whenExhausted === 'halt') throw new ProjectionHaltedError(build, { ...failed, haltedAt: new Date() });
    log.error(
      { err: error, eventId: event.id, type: event.type, attempts },
      'parking an event the projection cannot handle',
    );
    return parkEvent(redis, build, leaseToken, { ...failed, parkedAt: new Date() });
  }

  async #commit(ops: readonly RedisOp[], checkpoint: bigint): Promise<BatchOutcome> {
    const { redis, build, leaseToken, log, signal } = this.options;
    const result = await commitUntilAnswered(redis, { projection: build, ops, checkpoint, leaseToken }, log, signal);
    if (result.status === 'fenced') return { kind: 'fenced' };
    if (result.status === 'stale') return { kind: 'applied', active: true, parked: 0 };
    return { kind: 'applied', active: result.active, parked: 0 };
  }
}
