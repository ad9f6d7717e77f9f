import type { DomainCommand, DomainEvent } from '../../../src/core/index.js';

/*
 * A hold: a member asks for a copy of a title, and the hold desk (a process manager) lends one
 * or, when none can be lent, cancels the hold with the reason. Its own aggregate, so the desk's
 * saga spans two (the hold and the title), as a transfer spans its accounts.
 */

export type HoldPlaced = DomainEvent<
  'HoldPlaced',
  { readonly holdId: string; readonly titleId: string; readonly memberId: string; readonly at: string }
>;

export type HoldFulfilled = DomainEvent<
  'HoldFulfilled',
  { readonly holdId: string; readonly loanId: string; readonly at: string }
>;

/** `reason`: the code the title refused the loan with. */
export type HoldCancelled = DomainEvent<
  'HoldCancelled',
  { readonly holdId: string; readonly reason: string; readonly at: string }
>;

export type HoldEvent = HoldPlaced | HoldFulfilled | HoldCancelled;

export type PlaceHold = DomainCommand<
  'PlaceHold',
  { readonly holdId: string; readonly titleId: string; readonly memberId: string }
>;

export type FulfilHold = DomainCommand<'FulfilHold', { readonly holdId: string; readonly loanId: string }>;

export type CancelHold = DomainCommand<'CancelHold', { readonly holdId: string; readonly reason: string }>;

export type HoldCommand = PlaceHold | FulfilHold | CancelHold;
