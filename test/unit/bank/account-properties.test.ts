import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/core/errors.js';
import { maxAmountPerCommand } from '../../../src/core/money.js';
import { type AccountState, decide, evolve, foldAccount, initialState } from '../../../src/domains/bank/account.js';
import type { BankCommand } from '../../../src/domains/bank/commands.js';
import type { BankEvent } from '../../../src/domains/bank/events.js';
import { closeAccount, deposit, openAccount, withdraw } from '../../support/bank.js';

/*
 * Random command sequences against one account, each decided on the state folded so far. A step is
 * an intent that becomes a command once the balance is known, so withdrawals land right at the
 * boundary (balance - 1, balance, balance + 1, within the per-command maximum) often instead of
 * almost never; random small and large amounts cover the rest. Half the sequences open the account
 * first; the other half show what happens to commands on a missing account until one opens it.
 */

type Intent =
  | { readonly kind: 'deposit' | 'withdraw'; readonly minorUnits: number }
  | { readonly kind: 'withdrawNearBalance'; readonly offset: number }
  | { readonly kind: 'close' | 'open' };

const toCommand = (intent: Intent, state: AccountState): BankCommand => {
  switch (intent.kind) {
    case 'deposit':
      return deposit(intent);
    case 'withdraw':
      return withdraw(intent);
    case 'withdrawNearBalance': {
      const balance = state.status === 'new' ? 0 : state.balance;
      return withdraw({ minorUnits: Math.min(maxAmountPerCommand, Math.max(1, balance + intent.offset)) });
    }
    case 'close':
      return closeAccount();
    case 'open':
      return openAccount();
  }
};

const minorUnits = fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: maxAmountPerCommand }));

const intent: fc.Arbitrary<Intent> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deposit' as const), minorUnits }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), minorUnits }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('withdrawNearBalance' as const),
      offset: fc.integer({ min: -1, max: 1 }),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom<Intent>({ kind: 'close' }, { kind: 'open' }) },
);

const intents = fc
  .tuple(fc.boolean(), fc.array(intent, { maxLength: 30 }))
  .map(([opensFirst, rest]): Intent[] => (opensFirst ? [{ kind: 'open' }, ...rest] : rest));

interface Step {
  readonly command: BankCommand;
  /** The state `decide` saw. */
  readonly before: AccountState;
  readonly after: AccountState;
  /** Every event emitted up to and including this step. */
  readonly history: readonly BankEvent[];
  readonly failure?: DomainError;
}

const run = (sequence: readonly Intent[]): Step[] => {
  const steps: Step[] = [];
  let state = initialState;
  let history: readonly BankEvent[] = [];
  for (const next of sequence) {
    const before = Object.freeze(state);
    const command = toCommand(next, before);
    try {
      const emitted = decide(command, before);
      history = [...history, ...emitted];
      state = emitted.reduce(evolve, before);
      steps.push({ command, before, after: state, history });
    } catch (error) {
      // Valid amounts only, so anything but a broken business rule is a bug.
      if (!(error instanceof DomainError)) throw error;
      steps.push({ command, before, after: state, history, failure: error });
    }
  }
  return steps;
};

const sumOf = (events: readonly BankEvent[], type: 'MoneyDeposited' | 'MoneyWithdrawn') =>
  events.reduce((total, event) => (event.type === type ? total + event.data.amount : total), 0);

/** Which rule, if any, forbids a command in a state: the rules of the issue, written as plainly as possible. */
const forbiddenBy = (command: BankCommand, state: AccountState): string | undefined => {
  if (command.type === 'OpenAccount') return state.status === 'new' ? undefined : 'ACCOUNT_ALREADY_EXISTS';
  if (state.status === 'new') return 'ACCOUNT_NOT_FOUND';
  if (state.status === 'closed') return 'ACCOUNT_CLOSED';
  if (command.type === 'WithdrawMoney' && command.data.amount > state.balance) return 'INSUFFICIENT_FUNDS';
  if (command.type === 'CloseAccount' && state.balance !== 0) return 'ACCOUNT_NOT_EMPTY';
  if (command.type === 'DepositMoney' && state.balance + command.data.amount > Number.MAX_SAFE_INTEGER) {
    return 'BALANCE_LIMIT_EXCEEDED';
  }
  return undefined;
};

describe('an account under random commands', () => {
  it('keeps the balance non-negative and equal to deposits minus withdrawals', () =>
    fc.assert(
      fc.property(intents, (sequence) => {
        for (const { after, history } of run(sequence)) {
          if (after.status === 'new') continue;
          expect(after.balance).toBeGreaterThanOrEqual(0);
          expect(after.balance).toBe(sumOf(history, 'MoneyDeposited') - sumOf(history, 'MoneyWithdrawn'));
        }
      }),
    ));

  it('folds the emitted events into the same state the decider saw at each step', () =>
    fc.assert(
      fc.property(intents, (sequence) => {
        const steps = run(sequence);
        steps.forEach((step, index) => {
          expect(foldAccount(steps[index - 1]?.history ?? [])).toEqual(step.before);
        });
        expect(foldAccount(steps.at(-1)?.history ?? [])).toEqual(steps.at(-1)?.after ?? initialState);
      }),
    ));

  it('rejects a command exactly when a rule forbids it, and then changes nothing', () =>
    fc.assert(
      fc.property(intents, (sequence) => {
        for (const { command, before, after, failure } of run(sequence)) {
          expect(failure?.code).toBe(forbiddenBy(command, before));
          if (failure) expect(after).toBe(before);
        }
      }),
    ));
});
