import type { ProjectedEvent } from '../../../core/index.js';
import type { BankEvent } from '../events.js';

type Projected<Event extends BankEvent> = Event extends BankEvent
  ? ProjectedEvent<Event['type'], Event['data']>
  : never;

/** A bank event as the bank's projections receive it: its data, and where it sits in the log. */
export type ProjectedBankEvent = Projected<BankEvent>;
