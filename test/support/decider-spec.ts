import { expect } from 'vitest';
import type { Decider, DomainCommand, DomainEvent } from '../../src/core/decider.js';
import { DomainError, ValidationError } from '../../src/core/errors.js';

/*
 * Given-when-then for any decider: `given` folds past events into state with `evolve`, `when` runs
 * `decide` on it, and `then`/`thenFails`/`thenRejectsInput` check the outcome. Usage:
 *
 *   const given = deciderSpecification(accountDecider);
 *   it('rejects an amount above the balance', () =>
 *     given(accountOpened(), moneyDeposited('10.00')).when(withdraw('10.01')).thenFails('INSUFFICIENT_FUNDS'));
 */

type Outcome<Event> = { readonly events: readonly Event[] } | { readonly error: unknown };

/** What a decision led to, once known; each check fails with the actual outcome in its message. */
export interface DecisionCheck<Event> {
  /** Expects exactly these events, in this order, with exactly this data. */
  then(...expected: Event[]): void;
  /** Expects a `DomainError` with this code (a broken business rule). */
  thenFails(code: string): void;
  /** Expects a `ValidationError` (malformed input) whose message contains or matches `message`. */
  thenRejectsInput(message: string | RegExp): void;
}

/** Freezes the state `decide` sees, so a decider that mutates it fails loudly instead of subtly. */
const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
};

const describeOutcome = (outcome: Outcome<unknown>): string =>
  'events' in outcome
    ? `decide returned ${JSON.stringify(outcome.events)}`
    : `decide threw ${outcome.error instanceof Error ? `${outcome.error.name}: ${outcome.error.message}` : String(outcome.error)}`;

const check = <Event>(outcome: Outcome<Event>): DecisionCheck<Event> => ({
  // biome-ignore lint/suspicious/noThenProperty: given-when-then is the vocabulary; this object is never awaited.
  then(...expected) {
    expect('events' in outcome, describeOutcome(outcome)).toBe(true);
    if ('events' in outcome) expect(outcome.events).toEqual(expected);
  },
  thenFails(code) {
    const error = 'error' in outcome ? outcome.error : undefined;
    expect(error, describeOutcome(outcome)).toBeInstanceOf(DomainError);
    expect((error as DomainError).code, describeOutcome(outcome)).toBe(code);
  },
  thenRejectsInput(message) {
    const error = 'error' in outcome ? outcome.error : undefined;
    expect(error, describeOutcome(outcome)).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(message);
  },
});

/** Builds `given(...events).when(command)` for one decider. */
export const deciderSpecification =
  <Command extends DomainCommand, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>) =>
  (...history: Event[]) => ({
    when(command: Command): DecisionCheck<Event> {
      const state = deepFreeze(history.reduce(decider.evolve, decider.initialState));
      try {
        return check({ events: decider.decide(deepFreeze(command), state) });
      } catch (error) {
        return check({ error });
      }
    },
  });
