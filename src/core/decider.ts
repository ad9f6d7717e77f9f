/**
 * The shape of a domain's write-side logic. Everything here is pure: `decide` and `evolve`
 * read no clock and make no ids; whatever they need arrives in the command or the event.
 */

/** A domain event as the decider sees it: a past-tense type and JSON-safe data. */
export interface DomainEvent<Type extends string = string, Data extends object = object> {
  readonly type: Type;
  readonly data: Data;
}

/** A command: an imperative type, its data, and who/when/why it was issued. */
export interface DomainCommand<Type extends string = string, Data extends object = object> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: CommandMetadata;
}

/** Facts about a command that its middleware stamp and the decider may use (`now`). */
export interface CommandMetadata {
  /** The client's idempotency key, or a generated one; event ids derive from it. */
  readonly commandId: string;
  /** True when the client chose `commandId` (and so may send the same command again). */
  readonly commandIdFromClient?: boolean;
  /** Ties together every message caused by one client request. */
  readonly correlationId: string;
  /** The id of the message that caused this one (the command id for a client command). */
  readonly causationId: string;
  /** The authenticated user, once auth exists. */
  readonly userId?: string;
  /** When the command was received, ISO-8601; deciders use this instead of reading a clock. */
  readonly now: string;
  /**
   * What further command middleware added (trace context, for example), JSON-safe. Stored in the
   * command's events' metadata beside the ids; a decider has no business reading it.
   */
  readonly [added: string]: unknown;
}

/**
 * One aggregate's logic: fold events into state with `evolve`, pick new events with `decide`.
 * `decide` throws `DomainError` for a broken rule; `evolve` never throws (an event that
 * happened, happened).
 */
export interface Decider<Command extends DomainCommand, Event extends DomainEvent, State> {
  readonly initialState: State;
  decide(command: Command, state: State): readonly Event[];
  evolve(state: State, event: Event): State;
}
