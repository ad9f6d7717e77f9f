import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldAccount } from '../../../../src/domains/bank/account.js';
import { closeSteps } from '../../../../src/domains/bank/account-close-process.js';
import type { BankCommand } from '../../../../src/domains/bank/commands.js';
import type { BankEvent } from '../../../../src/domains/bank/events.js';
import { bankStatsProjection } from '../../../../src/domains/bank/projections/bank-stats.js';
import {
  cancelAccountClose,
  closeAccount,
  commandMetadata,
  deposit,
  openAccount,
  requestAccountClose,
  withdraw,
} from '../../../support/bank.js';
import { inLog } from '../../../support/bank-projections.js';
import { advance, InMemoryBank, transferId } from '../../../support/in-memory-bank.js';
import { requestTransfer } from '../../../support/transfers.js';

/*
 * Random transfers between two accounts, driven step by step by the minimal process manager of
 * test/support/in-memory-bank.ts, which decides each step on the transfer's current state.
 * Interleaved at random: deposits, withdrawals (some of the whole balance), closings, close
 * requests and their cancelling on either account, and the close process
 * (account-close-process.ts) over every money-out event so far, so each of its reactions is
 * delivered again and again; crashes between an account's step and its record (the next attempt
 * sends the step again); and replays of any step command that was accepted before, which must
 * decide nothing. The second account is at
 * random open, closed, of another currency or never opened, so every failure path runs.
 * After every action, per currency: balances + money in transit = deposited − withdrawn, and
 * bank-stats, fed the same events, says so too. Once every transfer is driven to its end, none is
 * pending, nothing is in transit, and each moved its amount exactly once or not at all; each
 * account closed at most once, and none is left empty with a close pending once the close process
 * has run.
 */

const source = 'acc-1';
const other = 'acc-2';

type SecondAccount = 'open' | 'closed' | 'other-currency' | 'never-opened';

type Action =
  | { readonly kind: 'advance' | 'crash' | 'replay'; readonly pick: number }
  | { readonly kind: 'deposit' | 'withdraw'; readonly onSource: boolean; readonly minorUnits: number }
  | { readonly kind: 'close' | 'request-close' | 'cancel-close' | 'empty'; readonly onSource: boolean }
  | { readonly kind: 'close-process' };

interface Scenario {
  readonly second: SecondAccount;
  readonly opening: readonly [number, number];
  readonly transfers: readonly { readonly outward: boolean; readonly minorUnits: number }[];
  readonly actions: readonly Action[];
}

const amount = fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 20_000 }));

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('crash' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('deposit' as const, 'withdraw' as const),
      onSource: fc.boolean(),
      minorUnits: amount,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), onSource: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constantFrom('request-close' as const, 'empty' as const), onSource: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel-close' as const), onSource: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('close-process' as const) }) },
);

/**
 * The close process's reaction to every money-out event recorded so far, each step sent as it
 * would be: a reaction delivered once more decides on the account's state then.
 */
const runCloseProcess = (bank: InMemoryBank): void => {
  for (const event of bank.allAccountEvents()) {
    if (event.type !== 'MoneyWithdrawn' && event.type !== 'MoneyTransferredOut') continue;
    for (const { command } of closeSteps(event)) {
      const outcome = bank.send({ to: 'account', command: { ...command, metadata: commandMetadata() } as BankCommand });
      expect(outcome, 'a close the process completes is never refused').not.toHaveProperty('refused');
    }
  }
};

const scenario: fc.Arbitrary<Scenario> = fc.record({
  second: fc.constantFrom<SecondAccount>('open', 'open', 'closed', 'other-currency', 'never-opened'),
  opening: fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 })),
  transfers: fc.array(fc.record({ outward: fc.boolean(), minorUnits: amount }), { minLength: 1, maxLength: 6 }),
  actions: fc.array(action, { maxLength: 60 }),
});

const setUp = ({ second, opening, transfers }: Scenario): InMemoryBank => {
  const bank = new InMemoryBank([source, other]);
  const currencyOf = { [source]: 'EUR', [other]: second === 'other-currency' ? 'USD' : 'EUR' };
  bank.send({ to: 'account', command: openAccount({ accountId: source }) });
  if (second !== 'never-opened') {
    bank.send({ to: 'account', command: openAccount({ accountId: other, currency: currencyOf[other] }) });
  }
  if (second === 'closed') bank.send({ to: 'account', command: closeAccount({ accountId: other }) });
  bank.send({ to: 'account', command: deposit({ minorUnits: Math.max(1, opening[0]) }, { accountId: source }) });
  if (opening[1] > 0) bank.send({ to: 'account', command: deposit({ minorUnits: opening[1] }, { accountId: other }) });
  transfers.forEach(({ outward, minorUnits }, index) => {
    const [fromAccountId, toAccountId] = outward ? [source, other] : [other, source];
    bank.transfers.push([]);
    // The request is refused up front (by the mutation) for a source nobody opened, and takes the
    // source's currency; here a transfer from an account never opened gets EUR and fails at its debit.
    const currency = fromAccountId === other && second === 'other-currency' ? 'USD' : 'EUR';
    const request = requestTransfer({
      transferId: transferId(index),
      fromAccountId,
      toAccountId,
      amount: { minorUnits },
      currency,
    });
    expect(bank.step({ to: 'transfer', command: request })).toBeUndefined();
  });
  return bank;
};

const act = (bank: InMemoryBank, next: Action): void => {
  switch (next.kind) {
    case 'advance':
    case 'crash':
      advance(bank, next.pick % bank.transfers.length, next.kind === 'crash');
      return;
    case 'replay': {
      if (bank.accepted.length === 0) return;
      const outcome = bank.send(bank.accepted[next.pick % bank.accepted.length]!);
      expect(outcome, 'a step sent again decides nothing').toEqual({ events: [] });
      return;
    }
    case 'deposit':
    case 'withdraw': {
      const accountId = next.onSource ? source : other;
      const make = next.kind === 'deposit' ? deposit : withdraw;
      bank.send({ to: 'account', command: make({ minorUnits: next.minorUnits }, { accountId }) });
      return;
    }
    case 'close':
    case 'request-close':
    case 'cancel-close': {
      const make = { close: closeAccount, 'request-close': requestAccountClose, 'cancel-close': cancelAccountClose };
      bank.send({ to: 'account', command: make[next.kind]({ accountId: next.onSource ? source : other }) });
      return;
    }
    case 'close-process':
      runCloseProcess(bank);
      return;
    case 'empty': {
      // A withdrawal of the whole balance: the emptying a pending close waits for.
      const accountId = next.onSource ? source : other;
      const account = foldAccount(bank.accounts.get(accountId)!);
      if (account.status === 'open' && account.balance > 0) {
        bank.send({ to: 'account', command: withdraw({ minorUnits: account.balance }, { accountId }) });
      }
      return;
    }
  }
};

type Sums = Record<string, { held: number; inTransit: number; deposited: number; withdrawn: number }>;

/** Per currency, from the accounts' logs alone. */
const sums = (events: readonly BankEvent[]): Sums => {
  const totals: Sums = {};
  const of = (currency: string) => (totals[currency] ??= { held: 0, inTransit: 0, deposited: 0, withdrawn: 0 });
  for (const event of events) {
    if (event.type === 'MoneyDeposited') of(event.data.currency).deposited += event.data.amount;
    if (event.type === 'MoneyWithdrawn') of(event.data.currency).withdrawn += event.data.amount;
    if (event.type === 'MoneyTransferredOut') of(event.data.currency).inTransit += event.data.amount;
    if (event.type === 'MoneyTransferredIn' || event.type === 'TransferOutRefunded') {
      of(event.data.currency).inTransit -= event.data.amount;
    }
  }
  return totals;
};

const expectMoneyConserved = (bank: InMemoryBank): void => {
  const totals = sums(bank.allAccountEvents());
  for (const log of bank.accounts.values()) {
    const account = foldAccount(log);
    if (account.status === 'new') continue;
    expect(account.balance).toBeGreaterThanOrEqual(0);
    const currency = totals[account.currency];
    if (currency) currency.held += account.balance;
  }
  const stats = new Map<string, number>();
  for (const op of inLog(...bank.allAccountEvents()).flatMap(bankStatsProjection.project)) {
    if (op.kind === 'hIncrBy') stats.set(op.field, (stats.get(op.field) ?? 0) + op.by);
  }
  for (const [currency, { held, inTransit, deposited, withdrawn }] of Object.entries(totals)) {
    expect(held + inTransit, `${currency}: balances and money in transit`).toBe(deposited - withdrawn);
    expect(stats.get(`${currency}:balance`) ?? 0, `${currency}: bank-stats balance`).toBe(deposited - withdrawn);
    expect(stats.get(`${currency}:inTransit`) ?? 0, `${currency}: bank-stats inTransit`).toBe(inTransit);
  }
};

/** What the accounts recorded of one transfer: its event types, sorted. */
const movementsOf = (bank: InMemoryBank, id: string): string[] =>
  bank
    .allAccountEvents()
    .filter((event) => 'transferId' in event.data && event.data.transferId === id)
    .map((event) => event.type)
    .sort();

describe('transfers between two accounts', () => {
  it('conserve money through any order of steps, crashes, repeats, deposits, closings and close requests', () =>
    fc.assert(
      fc.property(scenario, (drawn) => {
        const bank = setUp(drawn);
        for (const next of drawn.actions) {
          act(bank, next);
          expectMoneyConserved(bank);
        }
        // Drive every transfer to its end: at most three steps each.
        for (let round = 0; round < 3; round++) {
          for (const index of bank.transfers.keys()) advance(bank, index, false);
        }
        expectMoneyConserved(bank);
        bank.transfers.forEach((_, index) => {
          const state = bank.transferState(index);
          const moved = movementsOf(bank, transferId(index));
          if (state.status === 'completed') expect(moved).toEqual(['MoneyTransferredIn', 'MoneyTransferredOut']);
          else if (state.status === 'failed' && state.refunded) {
            expect(moved).toEqual(['MoneyTransferredOut', 'TransferOutRefunded']);
          } else {
            expect(state).toMatchObject({ status: 'failed', refunded: false });
            expect(moved).toEqual([]);
          }
        });
        for (const currency of Object.values(sums(bank.allAccountEvents()))) expect(currency.inTransit).toBe(0);
        runCloseProcess(bank);
        expectMoneyConserved(bank);
        for (const log of bank.accounts.values()) {
          expect(log.filter(({ type }) => type === 'AccountClosed').length).toBeLessThanOrEqual(1);
          const account = foldAccount(log);
          const leftPending =
            account.status === 'open' && account.closeRequestedAt !== undefined && account.balance === 0;
          expect(leftPending, 'an empty account with a close pending, after the close process ran').toBe(false);
        }
      }),
      { numRuns: 300 },
    ));
});
