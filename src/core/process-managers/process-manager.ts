import type { Aggregate } from '../commands/aggregate.js';
import type { DomainCommand, DomainEvent } from '../decider.js';
import type { DomainError } from '../errors.js';
import type { EventDecoders, Recorded } from '../event-decoders.js';
import type { FailurePolicy } from '../projections/failure-policy.js';

/**
 * One command a process manager sends in reaction to an event: for which aggregate, what, and
 * what to send instead when the aggregate refuses it for good.
 */
export interface ProcessStep {
  // biome-ignore lint/suspicious/noExplicitAny: a reaction may command aggregates of any shape.
  readonly aggregate: Aggregate<any, any, any>;
  /**
   * The command without an id: the runner derives it from the causing event's id and the
   * step's place in the reaction, so the same event always sends the same commands.
   */
  readonly command: StepCommand;
  /**
   * The failure path: the steps to take when the command is refused with a `DomainError` (a
   * broken rule, which retrying will not mend). Pure, like `react`. Without it, a refusal is a
   * failure of the event: retried by the failure policy, then parked.
   */
  readonly onRefused?: (error: DomainError) => readonly ProcessStep[];
}

/** A command as a step carries it: type and data, no id (the runner derives it). Distributes over a union. */
export type StepCommand<Command extends DomainCommand = DomainCommand> = Command extends DomainCommand
  ? { readonly type: Command['type']; readonly data: Command['data'] }
  : never;

/**
 * A step whose command the compiler checks against the aggregate's own commands (a literal
 * `ProcessStep` takes any command for any aggregate).
 */
export const processStep = <Command extends DomainCommand>(
  // biome-ignore lint/suspicious/noExplicitAny: only the commands matter here, not the events or state.
  aggregate: Aggregate<Command, any, any>,
  command: StepCommand<Command>,
  onRefused?: (error: DomainError) => readonly ProcessStep[],
): ProcessStep => ({ aggregate, command, ...(onRefused === undefined ? {} : { onRefused }) });

/**
 * A process manager (a saga): reacts to events from the whole log with commands to aggregates.
 * Its logic is pure; core's runner follows `$all` from its checkpoint, sends the steps through
 * the command pipeline one after another and moves the checkpoint past an event only once
 * every command of its reaction is acknowledged (docs/ARCHITECTURE.md, "Process managers").
 */
export interface ProcessManager<Event extends DomainEvent = DomainEvent> {
  /** Names its checkpoint, lease and parked events, and its commands' user (`process-manager:<name>`). */
  readonly name: string;
  /** The context's decoders: the reaction sees each event in its current shape, as projections do. */
  readonly events: EventDecoders<Event>;
  /** The event types it reacts to; the checkpoint moves past every other event. */
  readonly handles: readonly Event['type'][];
  /** Only events of streams `<streamCategory>-*`, when given. */
  readonly streamCategory?: string;
  /** What to do with an event whose reaction keeps failing; it must park (default: 5 attempts, then park). */
  readonly failurePolicy?: FailurePolicy;
  /**
   * Most events reacted to at once (default 64). Events of one stream are always reacted to one
   * after another, in log order; events of different streams side by side, each reaction's
   * steps still in order. 1 reacts to every event in log order, one at a time.
   */
  readonly concurrency?: number;
  /**
   * The steps this event calls for, in order (empty for none); pure: no I/O, no clock, no ids.
   * What it needs to know must be in the event.
   */
  react(event: Recorded<Event>): readonly ProcessStep[];
}

/** The user a process manager's commands are sent as: what their events' metadata records. */
export const processManagerUser = (name: string): string => `process-manager:${name}`;

/**
 * The one role a process manager's commands carry, so a context's access policy can grant its
 * steps to process managers and to nobody else: no token a person holds should carry it.
 */
export const processManagerRole = 'process-manager';
