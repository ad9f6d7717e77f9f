import type { ProjectedEvent } from '../../../core/projections/projection.js';
import { type BankEvent, bankEventTypes } from '../events.js';

type Projected<Event extends BankEvent> = Event extends BankEvent
  ? ProjectedEvent<Event['type'], Event['data']>
  : never;

/** A bank event as the bank's projections receive it: its data, and where it sits in the log. */
export type ProjectedBankEvent = Projected<BankEvent>;

/**
 * What every bank read model subscribes to: every bank event, including those it writes nothing
 * for. A projection's checkpoint moves only with the events it receives, and `consistentWith`
 * waits for the checkpoints of the read models a query reads: had `transactions` skipped openings,
 * listing a new account's transactions consistent with its opening would wait for the next
 * deposit anywhere, or time out. An event a read model ignores costs it a checkpoint move.
 */
export const everyBankEvent = bankEventTypes;
