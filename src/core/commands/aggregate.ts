import type { Decider, DomainCommand, DomainEvent } from '../decider.js';
import type { StoredEvent } from '../eventstore/stored-event.js';

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
