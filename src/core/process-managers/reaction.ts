import { type BackoffPolicy, backOff, SleepAbortedError } from '../backoff.js';
import type { RequestIdentity } from '../commands/command-middleware.js';
import type { CommandPipeline } from '../commands/command-pipeline.js';
import { derivedId } from '../commands/event-ids.js';
import type { DomainError } from '../errors.js';
import type { EventEnvelope } from '../eventstore/event-envelope.js';
import type { Logger } from '../logger.js';
import { type ProcessStep, processManagerRole, processManagerUser } from './process-manager.js';
import { refusalKind } from './refusals.js';

/** Between sends of a command refused for a reason that passes: 50 ms, doubling, up to 5 s, jittered. */
export const PASSING_REFUSAL_RETRY: BackoffPolicy = { initialMs: 50, maxMs: 5_000, jitter: 'full' };

export interface ReactionContext {
  readonly pipeline: CommandPipeline;
  readonly processManager: string;
  readonly log: Logger;
  /** Aborts when the session ends (stop, lease lost): a wait rejects at once, nothing more is sent. */
  readonly signal: AbortSignal;
  /** Told of each refusal that will pass, before the wait (status counts them). */
  readonly onPassingRefusal?: (error: unknown) => void;
  /** How long to wait between sends of a command refused for a reason that passes. */
  readonly retry?: BackoffPolicy;
}

/**
 * The command id of a step: derived from the causing event's id, the process manager and the
 * step's path in the reaction (`0`, `1`, `1!0` for the first step of step 1's failure path).
 * The same event thus always sends the same commands under the same ids, and each is sent as
 * a client-chosen id, so the pipeline answers a repeat from the stream instead of appending.
 */
export const stepCommandId = (event: Pick<EventEnvelope, 'id'>, processManager: string, path: string): string =>
  derivedId(event.id, `${processManager}/${path}`);

/**
 * The request the commands are sent in: the process manager as the user, with the process-manager
 * role the access policy's command rules grant its steps to, and the causing request's correlation.
 */
const requestFor = (event: EventEnvelope, processManager: string): RequestIdentity => {
  const { correlationId } = event.metadata;
  return {
    requestId: typeof correlationId === 'string' ? correlationId : event.id,
    userId: processManagerUser(processManager),
    roles: [processManagerRole],
    causedBy: event.metadata,
  };
};

/**
 * Sends an event's steps through the pipeline, one after the other, each once the one before it
 * is acknowledged. A step refused for good takes its failure path (`onRefused`) instead of the
 * steps after it; one refused for a reason that passes is sent again with backoff until it goes
 * through or the session ends. Resolves once every command is acknowledged; rejects with what
 * the event's failure policy should judge (a refusal for good without a failure path, anything
 * unexpected), or with `SleepAbortedError` when the session ended.
 */
export const sendReaction = async (
  context: ReactionContext,
  event: EventEnvelope,
  steps: readonly ProcessStep[],
  path = '',
): Promise<void> => {
  for (const [index, step] of steps.entries()) {
    const stepPath = `${path}${index}`;
    const refused = await sendStep(context, event, step, stepPath);
    if (refused === undefined) continue;
    if (!step.onRefused) throw refused;
    context.log.info(
      { eventId: event.id, command: step.command.type, code: refused.code },
      'a process step was refused; taking its failure path',
    );
    return sendReaction(context, event, step.onRefused(refused), `${stepPath}!`);
  }
};

/** Sends one step until it is acknowledged (undefined) or refused for good (the refusal). */
const sendStep = async (
  context: ReactionContext,
  event: EventEnvelope,
  step: ProcessStep,
  path: string,
): Promise<DomainError | undefined> => {
  const commandId = stepCommandId(event, context.processManager, path);
  const request = requestFor(event, context.processManager);
  for (let retry = 0; ; retry++) {
    // The session ended (stopped, or the lease went to another node): send nothing more.
    if (context.signal.aborted) throw new SleepAbortedError();
    try {
      await context.pipeline.handle(step.aggregate, { ...step.command, commandId }, request);
      return undefined;
    } catch (error) {
      const kind = refusalKind(error);
      if (kind === 'for-good') return error as DomainError;
      if (kind === 'failure') throw error;
      context.onPassingRefusal?.(error);
      context.log.warn({ err: error, commandId, retry }, 'a process step was refused for now; sending it again');
      await backOff(context.retry ?? PASSING_REFUSAL_RETRY, retry, context.signal);
    }
  }
};
