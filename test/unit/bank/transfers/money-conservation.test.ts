import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../src/core/errors.js';
import { decide, foldAccount } from '../../../../src/domains/bank/account.js';
import type { BankCommand } from '../../../../src/domains/bank/commands.js';
import type { BankEvent } from '../../../../src/domains/bank/events.js';
import { bankStatsProjection } from '../../../../src/domains/bank/projections/bank-stats.js';
import { decideTransfer } from '../../../../src/domains/bank/transfers/transfer.js';
import type { TransferCommand } from '../../../../src/domains/bank/transfers/transfer-commands.js';
import type { TransferEvent } from '../../../../src/domains/bank/transfers/transfer-events.js';
import { foldTransfer, type TransferState } from '../../../../src/domains/bank/transfers/transfer-state.js';
import {
  closeAccount,
  creditForTransfer,
  debitForTransfer,
  deposit,
  openAccount,
  refundTransfer,
  withdraw,
} from '../../../support/bank.js';
import { inLog } from '../../../support/bank-projections.js';
import {
  failTransfer,
  recordCredit,
  recordCreditRefused,
  recordDebit,
  recordRefund,
  requestTransfer,
} from '../../../support/transfers.js';

/*
 * Random transfers between two accounts, driven step by step by a minimal process manager that,
 * as the real one must, decides each step on the transfer's current state: send the account its
 * step, then record the outcome on the transfer (a refusal's code as the reason). Interleaved at
 * random: deposits, withdrawals and closings of either account; crashes between an account's step
 * and its record (the next attempt sends the step again); and replays of any step command that
 * was accepted before, which must decide nothing. The second account is at random open, closed,
 * of another currency or never opened, so every failure path runs.
 * After every action, per currency: balances + money in transit = deposited − withdrawn, and
 * bank-stats, fed the same events, says so too. Once every transfer is driven to its end, none is
 * pending, nothing is in transit, and each moved its amount exactly once or not at all.
 */

const source = 'acc-1';
const other = 'acc-2';

type SecondAccount = 'open' | 'closed' | 'other-currency' | 'never-opened';

type Action =
  | { readonly kind: 'advance' | 'crash' | 'replay'; readonly pick: number }
  | { readonly kind: 'deposit' | 'withdraw'; readonly onSource: boolean; readonly minorUnits: number }
  | { readonly kind: 'close'; readonly onSource: boolean };

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
);

const scenario: fc.Arbitrary<Scenario> = fc.record({
  second: fc.constantFrom<SecondAccount>('open', 'open', 'closed', 'other-currency', 'never-opened'),
  opening: fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 })),
  transfers: fc.array(fc.record({ outward: fc.boolean(), minorUnits: amount }), { minLength: 1, maxLength: 6 }),
  actions: fc.array(action, { maxLength: 60 }),
});

type StepCommand =
  | { readonly to: 'account'; readonly command: BankCommand }
  | { readonly to: 'transfer'; readonly command: TransferCommand };

/** The two accounts' logs, each transfer's log, and the step commands that were accepted. */
class World {
  readonly accounts = new Map<string, BankEvent[]>([
    [source, []],
    [other, []],
  ]);
  readonly transfers: TransferEvent[][] = [];
  readonly accepted: StepCommand[] = [];

  /** Decides on the stream's current state and appends; a DomainError is the answer, not thrown. */
  send(step: StepCommand): { readonly events: readonly unknown[] } | { readonly refused: string } {
    try {
      if (step.to === 'account') {
        const log = this.accounts.get(step.command.data.accountId)!;
        const events = decide(step.command, foldAccount(log));
        log.push(...events);
        return { events };
      }
      const log = this.transfers[Number(step.command.data.transferId.slice(3))]!;
      const events = decideTransfer(step.command, foldTransfer(log));
      log.push(...events);
      return { events };
    } catch (error) {
      if (error instanceof DomainError) return { refused: error.code };
      throw error;
    }
  }

  /** Sends a step of the transfer process; remembers it when accepted, so it may be replayed. */
  step(step: StepCommand): string | undefined {
    const outcome = this.send(step);
    if ('refused' in outcome) return outcome.refused;
    this.accepted.push(step);
    return undefined;
  }

  transferState(index: number): TransferState {
    return foldTransfer(this.transfers[index]!);
  }

  allAccountEvents(): BankEvent[] {
    return [...this.accounts.values()].flat();
  }
}

const transferId = (index: number) => `tr-${index}`;

/**
 * The process manager's next step for a transfer, from its current state. With `crash`, it stops
 * after the account's step, before recording it on the transfer.
 */
const advance = (world: World, index: number, crash: boolean): void => {
  const state = world.transferState(index);
  if (state.status !== 'pending') return;
  const { fromAccountId, toAccountId, amount, currency } = state.terms;
  const ids = { transferId: transferId(index) };
  const amountOf = { minorUnits: amount };
  const record = (command: TransferCommand) => {
    if (crash) return;
    expect(world.step({ to: 'transfer', command })).toBeUndefined();
  };
  switch (state.stage) {
    case 'requested': {
      const refused = world.step({
        to: 'account',
        command: debitForTransfer(amountOf, { ...ids, accountId: fromAccountId }),
      });
      record(refused === undefined ? recordDebit(ids) : failTransfer(refused, ids));
      return;
    }
    case 'debited': {
      const credit = creditForTransfer(amountOf, { ...ids, accountId: toAccountId, currency });
      const refused = world.step({ to: 'account', command: credit });
      record(refused === undefined ? recordCredit(ids) : recordCreditRefused(refused, ids));
      return;
    }
    case 'credit-refused': {
      const refund = refundTransfer(amountOf, { ...ids, accountId: fromAccountId });
      expect(world.step({ to: 'account', command: refund })).toBeUndefined();
      record(recordRefund(ids));
      return;
    }
  }
};

const setUp = ({ second, opening, transfers }: Scenario): World => {
  const world = new World();
  const currencyOf = { [source]: 'EUR', [other]: second === 'other-currency' ? 'USD' : 'EUR' };
  world.send({ to: 'account', command: openAccount({ accountId: source }) });
  if (second !== 'never-opened') {
    world.send({ to: 'account', command: openAccount({ accountId: other, currency: currencyOf[other] }) });
  }
  if (second === 'closed') world.send({ to: 'account', command: closeAccount({ accountId: other }) });
  world.send({ to: 'account', command: deposit({ minorUnits: Math.max(1, opening[0]) }, { accountId: source }) });
  if (opening[1] > 0) world.send({ to: 'account', command: deposit({ minorUnits: opening[1] }, { accountId: other }) });
  transfers.forEach(({ outward, minorUnits }, index) => {
    const [fromAccountId, toAccountId] = outward ? [source, other] : [other, source];
    world.transfers.push([]);
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
    expect(world.step({ to: 'transfer', command: request })).toBeUndefined();
  });
  return world;
};

const act = (world: World, next: Action): void => {
  switch (next.kind) {
    case 'advance':
    case 'crash':
      advance(world, next.pick % world.transfers.length, next.kind === 'crash');
      return;
    case 'replay': {
      if (world.accepted.length === 0) return;
      const outcome = world.send(world.accepted[next.pick % world.accepted.length]!);
      expect(outcome, 'a step sent again decides nothing').toEqual({ events: [] });
      return;
    }
    case 'deposit':
    case 'withdraw': {
      const accountId = next.onSource ? source : other;
      const make = next.kind === 'deposit' ? deposit : withdraw;
      world.send({ to: 'account', command: make({ minorUnits: next.minorUnits }, { accountId }) });
      return;
    }
    case 'close':
      world.send({ to: 'account', command: closeAccount({ accountId: next.onSource ? source : other }) });
      return;
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

const expectMoneyConserved = (world: World): void => {
  const totals = sums(world.allAccountEvents());
  for (const log of world.accounts.values()) {
    const account = foldAccount(log);
    if (account.status === 'new') continue;
    expect(account.balance).toBeGreaterThanOrEqual(0);
    const currency = totals[account.currency];
    if (currency) currency.held += account.balance;
  }
  const stats = new Map<string, number>();
  for (const op of inLog(...world.allAccountEvents()).flatMap(bankStatsProjection.project)) {
    if (op.kind === 'hIncrBy') stats.set(op.field, (stats.get(op.field) ?? 0) + op.by);
  }
  for (const [currency, { held, inTransit, deposited, withdrawn }] of Object.entries(totals)) {
    expect(held + inTransit, `${currency}: balances and money in transit`).toBe(deposited - withdrawn);
    expect(stats.get(`${currency}:balance`) ?? 0, `${currency}: bank-stats balance`).toBe(deposited - withdrawn);
    expect(stats.get(`${currency}:inTransit`) ?? 0, `${currency}: bank-stats inTransit`).toBe(inTransit);
  }
};

/** What the accounts recorded of one transfer: its event types, sorted. */
const movementsOf = (world: World, id: string): string[] =>
  world
    .allAccountEvents()
    .filter((event) => 'transferId' in event.data && event.data.transferId === id)
    .map((event) => event.type)
    .sort();

describe('transfers between two accounts', () => {
  it('conserve money through any order of steps, crashes, repeats, deposits and closings', () =>
    fc.assert(
      fc.property(scenario, (drawn) => {
        const world = setUp(drawn);
        for (const next of drawn.actions) {
          act(world, next);
          expectMoneyConserved(world);
        }
        // Drive every transfer to its end: at most three steps each.
        for (let round = 0; round < 3; round++) {
          for (const index of world.transfers.keys()) advance(world, index, false);
        }
        expectMoneyConserved(world);
        world.transfers.forEach((_, index) => {
          const state = world.transferState(index);
          const moved = movementsOf(world, transferId(index));
          if (state.status === 'completed') expect(moved).toEqual(['MoneyTransferredIn', 'MoneyTransferredOut']);
          else if (state.status === 'failed' && state.refunded) {
            expect(moved).toEqual(['MoneyTransferredOut', 'TransferOutRefunded']);
          } else {
            expect(state).toMatchObject({ status: 'failed', refunded: false });
            expect(moved).toEqual([]);
          }
        });
        for (const currency of Object.values(sums(world.allAccountEvents()))) expect(currency.inTransit).toBe(0);
      }),
      { numRuns: 300 },
    ));
});
