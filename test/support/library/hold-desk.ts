import { type FailurePolicy, type ProcessManager, type ProcessStep, processStep } from '../../../src/core/index.js';
import { circulationEventDecoders } from './event-decoders.js';
import type { LibraryEvent } from './events.js';
import { holdAggregate } from './hold.js';
import type { HoldEvent, HoldPlaced } from './hold-events.js';
import { titleAggregate } from './title-aggregate.js';

/*
 * The hold desk, the library's process manager: a placed hold → lend the member a copy (the
 * loan id is the hold's, and the loan names its hold) → the hold is fulfilled. When the title
 * refuses the loan for good (no copy left, not catalogued), the failure path cancels the hold
 * with the refusal's code. Pure: everything it needs is in the event.
 */

const lendFor = ({ holdId, titleId, memberId }: HoldPlaced['data']): ProcessStep =>
  processStep(titleAggregate, { type: 'LendCopy', data: { titleId, loanId: holdId, memberId, holdId } }, (error) => [
    processStep(holdAggregate, { type: 'CancelHold', data: { holdId, reason: error.code } }),
  ]);

export const holdDesk = ({
  name = 'hold-desk',
  failurePolicy,
  concurrency,
}: {
  readonly name?: string;
  readonly failurePolicy?: FailurePolicy;
  readonly concurrency?: number;
} = {}): ProcessManager<LibraryEvent | HoldEvent> => ({
  name,
  ...(failurePolicy === undefined ? {} : { failurePolicy }),
  ...(concurrency === undefined ? {} : { concurrency }),
  events: circulationEventDecoders,
  handles: ['HoldPlaced', 'CopyLent'],
  react: (event) => {
    switch (event.type) {
      case 'HoldPlaced':
        return [lendFor(event.data)];
      case 'CopyLent': {
        const { holdId, loanId } = event.data;
        return holdId === undefined
          ? []
          : [processStep(holdAggregate, { type: 'FulfilHold', data: { holdId, loanId } })];
      }
      default:
        return [];
    }
  },
});
