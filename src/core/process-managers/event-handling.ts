import { type BackoffPolicy, SleepAbortedError, sleep } from '../backoff.js';
import type { CommandPipeline } from '../commands/command-pipeline.js';
import type { EventEnvelope } from '../eventstore/event-envelope.js';
import type { Logger } from '../logger.js';
import { eventScope } from '../projections/event-scope.js';
import { failedEvent } from '../projections/failed-event.js';
import { decideOnFailure, type FailurePolicy } from '../projections/failure-policy.js';
import { type ProjectionId, processManagerId } from '../projections/keys.js';
import { parkEvent } from '../projections/parking.js';
import type { RedisClient } from '../redis/client.js';
import { processManagerPolicy } from './declarations.js';
import type { ProcessManager } from './process-manager.js';
import { sendReaction } from './reaction.js';

/** What became of one event: nothing to do, its commands acknowledged, parked, or the lease gone. */
export type Handled = 'passed' | 'reacted' | 'parked' | 'fenced';

/** The lease holder's part: parking is fenced by its token, every wait ends with its signal. */
export interface HandlingSession {
  readonly leaseToken: string;
  readonly signal: AbortSignal;
}

export interface EventHandlingOptions {
  readonly redis: RedisClient;
  readonly pipeline: CommandPipeline;
  readonly log: Logger;
  /** Between sends of a command refused for a reason that passes. */
  readonly retry?: BackoffPolicy;
  /** Told of each failure of a reaction (status shows the last). */
  readonly onFailure: (error: unknown) => void;
  /** Told of each refusal that passes, before the command is sent again. */
  readonly onPassingRefusal: (error: unknown) => void;
}

/**
 * One process manager's handling of one event, under its failure policy. Decoding and reacting
 * are part of it: an event that cannot be decoded, a reaction that throws, a refusal without a
 * failure path, get the policy's retries (each from the first step: the acknowledged ones answer
 * as repeats), then the event is parked (recorded, visible) and the process manager goes on.
 */
export class EventHandling {
  readonly #id: ProjectionId;
  readonly #wants: (event: EventEnvelope) => boolean;
  readonly #policy: FailurePolicy;

  constructor(
    private readonly processManager: ProcessManager,
    private readonly options: EventHandlingOptions,
  ) {
    this.#id = processManagerId(processManager.name);
    this.#wants = eventScope(processManager);
    this.#policy = processManagerPolicy(processManager);
  }

  async handle(session: HandlingSession, event: EventEnvelope): Promise<Handled> {
    if (!this.#wants(event)) return 'passed';
    const { processManager, options } = this;
    for (let attempt = 1; ; attempt++) {
      try {
        const decoded = processManager.events.decode(event);
        const steps = decoded === undefined ? [] : processManager.react(decoded);
        if (steps.length === 0) return 'passed';
        await sendReaction(this.#reactionContext(session), event, steps);
        return 'reacted';
      } catch (error) {
        if (error instanceof SleepAbortedError) throw error;
        options.onFailure(error);
        const decision = decideOnFailure(this.#policy, attempt);
        if (decision.action === 'retry') {
          options.log.warn({ err: error, eventId: event.id, type: event.type, attempt }, 'reaction failed; retrying');
          await sleep(decision.delayMs, session.signal);
          continue;
        }
        options.log.error({ err: error, eventId: event.id, type: event.type, attempt }, 'parking an event');
        const parked = { ...failedEvent(event, error, attempt), parkedAt: new Date() };
        return (await parkEvent(options.redis, this.#id, session.leaseToken, parked)) === 'fenced'
          ? 'fenced'
          : 'parked';
      }
    }
  }

  #reactionContext(session: HandlingSession) {
    const { pipeline, log, retry, onPassingRefusal } = this.options;
    return {
      pipeline,
      processManager: this.processManager.name,
      log,
      signal: session.signal,
      onPassingRefusal,
      ...(retry === undefined ? {} : { retry }),
    };
  }
}
