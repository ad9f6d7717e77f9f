import type { DomainCommand, DomainEvent } from '../decider.js';
import { CommandIdReusedError } from '../errors.js';
import { positionToken } from '../eventstore/positions.js';
import type { Aggregate } from './aggregate.js';
import type { FoldedStream } from './aggregate-cache.js';
import { commandDigest } from './command-digest.js';
import { commandEventId } from './event-ids.js';

/** An event a command decided on, with the id and metadata it will be stored with. */
export interface DecidedEvent {
  readonly event: DomainEvent;
  readonly id: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The command that decided it. */
  readonly commandId: string;
  readonly digest: string;
}

/** What became of one command of a batch. */
export type CommandOutcome =
  /** Its events are in the batch's append, the last at this index of `events`. */
  | { readonly kind: 'appended'; readonly lastEvent: number }
  /** The decider refused it (or it was malformed, or its id was another command's); nothing of it is written. */
  | { readonly kind: 'refused'; readonly error: unknown }
  /** It was handled before: its events are already in the stream. */
  | { readonly kind: 'repeated'; readonly result: { streamRevision: bigint; position: string; repeated: true } }
  /** The decider chose no events; the index of the batch's last event before it, -1 for none. */
  | { readonly kind: 'unchanged'; readonly afterEvent: number };

export interface BatchDecision {
  /** Every accepted command's events, in command order: one append. */
  readonly events: readonly DecidedEvent[];
  /** One per command, in order. */
  readonly outcomes: readonly CommandOutcome[];
  /** The state after every accepted command. */
  readonly state: unknown;
  /** How many commands have events in the append. */
  readonly appendingCommands: number;
  /** Whether a command whose id the client chose has events in it (and so may have landed before). */
  readonly anyFromClient: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: a batch holds commands of one aggregate, whatever its types.
type AnyAggregate = Aggregate<any, any, any>;

/** Command metadata that is the command's alone: the time it arrived (events have their own), and whose id it is. */
const COMMAND_ONLY: ReadonlySet<string> = new Set(['now', 'commandIdFromClient']);

/**
 * An event's metadata: its command's ids, digest and schema version, then whatever else the
 * command's middleware stamped (`userId`, trace context), which can never replace those.
 */
const metadataOf = (
  aggregate: AnyAggregate,
  { metadata }: DomainCommand,
  digest: string,
  event: DomainEvent,
): Record<string, unknown> => {
  const stored: Record<string, unknown> = {
    commandId: metadata.commandId,
    commandDigest: digest,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    // Per event type: readers pick the upcast of the version each event was written in.
    schemaVersion: aggregate.events.versionOf(event.type),
  };
  for (const field in metadata) {
    if (!(field in stored) && !COMMAND_ONLY.has(field)) stored[field] = metadata[field];
  }
  return stored;
};

/**
 * The outcome of a client command whose id the stream already holds: the first result when it is
 * the same command (or one stored before digests were), a refusal when it is another.
 */
const earlierOutcome = (
  folded: FoldedStream<unknown>,
  commandId: string,
  digest: string,
): CommandOutcome | undefined => {
  const earlier = folded.commands.get(commandId);
  if (!earlier) return undefined;
  if (earlier.digest !== undefined && earlier.digest !== digest) {
    return { kind: 'refused', error: new CommandIdReusedError(commandId) };
  }
  const result = {
    streamRevision: earlier.revision,
    position: positionToken(earlier.position),
    repeated: true as const,
  };
  return { kind: 'repeated', result };
};

/**
 * Decides a batch of commands for one stream, in order, each on the state the ones before it
 * leave; pure. A command is refused on its own without touching the others. A command whose id
 * the client chose is recognised when the stream already holds that id, or when an earlier copy
 * is in this very batch: the same command gets that copy's outcome, a different one
 * `CommandIdReusedError` (unless the earlier one wrote nothing).
 */
export const decideBatch = (
  aggregate: AnyAggregate,
  folded: FoldedStream<unknown>,
  commands: readonly DomainCommand[],
): BatchDecision => {
  let state = folded.state;
  const events: DecidedEvent[] = [];
  const outcomes: CommandOutcome[] = [];
  const firstCopy = new Map<string, { readonly index: number; readonly digest: string }>();
  let appendingCommands = 0;
  let anyFromClient = false;
  for (const [index, command] of commands.entries()) {
    const { commandId, commandIdFromClient } = command.metadata;
    const digest = commandDigest(command);
    if (commandIdFromClient) {
      const repeat = earlierOutcome(folded, commandId, digest);
      if (repeat) {
        outcomes.push(repeat);
        continue;
      }
      const twin = firstCopy.get(commandId);
      if (twin?.digest === digest) {
        outcomes.push(outcomes[twin.index]!);
        continue;
      }
      if (twin && outcomes[twin.index]!.kind === 'appended') {
        outcomes.push({ kind: 'refused', error: new CommandIdReusedError(commandId) });
        continue;
      }
      firstCopy.set(commandId, { index, digest });
    }
    try {
      const decided = aggregate.decider.decide(command, state) as readonly DomainEvent[];
      if (decided.length === 0) {
        outcomes.push({ kind: 'unchanged', afterEvent: events.length - 1 });
        continue;
      }
      for (const [n, event] of decided.entries()) {
        const metadata = metadataOf(aggregate, command, digest, event);
        events.push({ event, id: commandEventId(digest, n), metadata, commandId, digest });
      }
      state = decided.reduce(aggregate.decider.evolve, state);
      outcomes.push({ kind: 'appended', lastEvent: events.length - 1 });
      appendingCommands++;
      anyFromClient ||= commandIdFromClient === true;
    } catch (error) {
      outcomes.push({ kind: 'refused', error });
    }
  }
  return { events, outcomes, state, appendingCommands, anyFromClient };
};

/**
 * Whether the batch's answers rest on the state it was decided on without an append to check
 * it: a refusal or a "nothing to do". (A repeat answers from what the stream stored, which a
 * newer head cannot change.)
 */
export const restsOnUncheckedState = (decision: BatchDecision): boolean =>
  decision.events.length === 0 && decision.outcomes.some((outcome) => outcome.kind !== 'repeated');
