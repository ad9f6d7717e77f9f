import { type Aggregate, type Decider, DomainError } from '../../../src/core/index.js';
import { holdEventDecoders } from './event-decoders.js';
import type { CancelHold, FulfilHold, HoldCommand, HoldEvent, PlaceHold } from './hold-events.js';

/** A hold: not placed yet, open (waiting for the desk), or settled one way or the other. */
export type HoldState =
  | { readonly status: 'none' }
  | { readonly status: 'open'; readonly holdId: string; readonly titleId: string; readonly memberId: string }
  | { readonly status: 'fulfilled'; readonly loanId: string }
  | { readonly status: 'cancelled'; readonly reason: string };

const initialState: HoldState = { status: 'none' };

export const holdStreamName = (holdId: string): string => `hold-${holdId}`;

const evolve = (state: HoldState, event: HoldEvent): HoldState => {
  switch (event.type) {
    case 'HoldPlaced': {
      const { holdId, titleId, memberId } = event.data;
      return { status: 'open', holdId, titleId, memberId };
    }
    case 'HoldFulfilled':
      return { status: 'fulfilled', loanId: event.data.loanId };
    case 'HoldCancelled':
      return { status: 'cancelled', reason: event.data.reason };
    default:
      return ignoreUnknownEvent(state, event);
  }
};

const ignoreUnknownEvent = (state: HoldState, _event: never): HoldState => state;

const place = ({ data, metadata }: PlaceHold, state: HoldState): HoldEvent[] => {
  if (state.status !== 'none') throw new DomainError('HOLD_ALREADY_PLACED', `hold ${data.holdId} was placed before`);
  return [{ type: 'HoldPlaced', data: { ...data, at: metadata.now } }];
};

const requireOpen = (state: HoldState, holdId: string): void => {
  if (state.status !== 'open') throw new DomainError('HOLD_NOT_OPEN', `hold ${holdId} is ${state.status}`);
};

const fulfil = ({ data, metadata }: FulfilHold, state: HoldState): HoldEvent[] => {
  requireOpen(state, data.holdId);
  return [{ type: 'HoldFulfilled', data: { ...data, at: metadata.now } }];
};

const cancel = ({ data, metadata }: CancelHold, state: HoldState): HoldEvent[] => {
  requireOpen(state, data.holdId);
  return [{ type: 'HoldCancelled', data: { ...data, at: metadata.now } }];
};

const decide = (command: HoldCommand, state: HoldState): HoldEvent[] => {
  switch (command.type) {
    case 'PlaceHold':
      return place(command, state);
    case 'FulfilHold':
      return fulfil(command, state);
    case 'CancelHold':
      return cancel(command, state);
    default:
      return rejectUnknownCommand(command);
  }
};

const rejectUnknownCommand = (command: never): never => {
  throw new Error(`a hold does not handle command ${JSON.stringify((command as { type?: unknown }).type)}`);
};

export const holdDecider: Decider<HoldCommand, HoldEvent, HoldState> = { initialState, decide, evolve };

/** The hold as the command pipeline handles it. */
export const holdAggregate: Aggregate<HoldCommand, HoldEvent, HoldState> = {
  decider: holdDecider,
  streamName: (command) => holdStreamName(command.data.holdId),
  events: holdEventDecoders,
};
