import type { DomainCommand, DomainEvent } from '../decider.js';
import { positionToken } from '../eventstore/positions.js';
import type { Aggregate } from './aggregate.js';
import type { EventPlacement, FoldedStream } from './aggregate-cache.js';
import { commandEventId } from './event-ids.js';

/** An event a command decided on, with the id and metadata it will be stored with. */
export interface DecidedEvent {
  readonly event: DomainEvent;
  readonly id: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** What became of one command of a batch. */
export type CommandOutcome =
  /** Its events are in the batch's append, the last at this index of `events`. */
  | { readonly kind: 'appended'; readonly lastEvent: number }
  /** The decider refused it (or it was malformed); nothing of it is written. */
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

const metadataOf = (aggregate: AnyAggregate, { metadata }: DomainCommand): Record<string, unknown> => ({
  commandId: metadata.commandId,
  correlationId: metadata.correlationId,
  causationId: metadata.causationId,
  ...(metadata.userId === undefined ? {} : { userId: metadata.userId }),
  schemaVersion: aggregate.schemaVersion,
});

/** The first outcome of a command whose events the stream already holds, if it does. */
const earlierOutcome = (folded: FoldedStream<unknown>, command: DomainCommand): CommandOutcome | undefined => {
  const { commandId } = command.metadata;
  let last: EventPlacement | undefined;
  for (let index = 0; ; index++) {
    const placement = folded.placements.get(commandEventId(commandId, index));
    if (!placement) break;
    last = placement;
  }
  if (!last) return undefined;
  const position = positionToken(last.position ?? folded.lastPosition ?? 0n);
  return { kind: 'repeated', result: { streamRevision: last.revision, position, repeated: true } };
};

/**
 * Decides a batch of commands for one stream, in order, each on the state the ones before it
 * leave; pure. A command is refused on its own without touching the others. A command whose id
 * the client chose is recognised when its events are already in the stream (a retry), or when an
 * earlier copy of it is in this very batch (both get that copy's outcome).
 */
export const decideBatch = (
  aggregate: AnyAggregate,
  folded: FoldedStream<unknown>,
  commands: readonly DomainCommand[],
): BatchDecision => {
  let state = folded.state;
  const events: DecidedEvent[] = [];
  const outcomes: CommandOutcome[] = [];
  const firstCopy = new Map<string, number>();
  let appendingCommands = 0;
  let anyFromClient = false;
  for (const [index, command] of commands.entries()) {
    const { commandId, commandIdFromClient } = command.metadata;
    if (commandIdFromClient) {
      const repeat = earlierOutcome(folded, command);
      const twin = firstCopy.get(commandId);
      if (repeat || twin !== undefined) {
        outcomes.push(repeat ?? outcomes[twin!]!);
        continue;
      }
      firstCopy.set(commandId, index);
    }
    try {
      const decided = aggregate.decider.decide(command, state) as readonly DomainEvent[];
      if (decided.length === 0) {
        outcomes.push({ kind: 'unchanged', afterEvent: events.length - 1 });
        continue;
      }
      const metadata = metadataOf(aggregate, command);
      for (const [n, event] of decided.entries()) events.push({ event, id: commandEventId(commandId, n), metadata });
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
