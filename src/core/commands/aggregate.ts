import type { Decider, DomainCommand, DomainEvent } from '../decider.js';
import type { EventDecoders } from '../event-decoders.js';

/**
 * What the command pipeline needs to know about one kind of aggregate: its decider, which
 * stream a command goes to, and its context's event decoders.
 */
export interface Aggregate<Command extends DomainCommand, Event extends DomainEvent, State> {
  readonly decider: Decider<Command, Event, State>;
  streamName(command: Command): string;
  /**
   * The context's registry: the fold reads stored events back through it (upcast to the current
   * shape, or skipped when newer code wrote them), and every new event's metadata records the
   * schema version it gives for the event's type.
   */
  readonly events: EventDecoders<Event>;
}
