import type { Decider, DomainCommand, DomainEvent } from '../decider.js';

/** An event as read back from the event store, before the domain decodes it. */
export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly streamName: string;
  readonly revision: bigint;
  readonly position: bigint;
  readonly created: Date;
}

/**
 * What the command pipeline needs to know about one kind of aggregate: its decider, which
 * stream a command goes to, and how stored events become domain events again.
 */
export interface Aggregate<Command extends DomainCommand, Event extends DomainEvent, State> {
  readonly decider: Decider<Command, Event, State>;
  streamName(command: Command): string;
  /**
   * Turns a stored event into a domain event, upcasting older shapes. Undefined skips it (an
   * event type this code does not know, written by newer code).
   */
  decode(event: StoredEvent): Event | undefined;
  /** Recorded in every event's metadata, so later code can tell which shape it is reading. */
  readonly schemaVersion: number;
}
