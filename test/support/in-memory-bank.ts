import { expect } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { decide, foldAccount } from '../../src/domains/bank/account.js';
import type { BankCommand } from '../../src/domains/bank/commands.js';
import type { BankEvent } from '../../src/domains/bank/events.js';
import { decideTransfer } from '../../src/domains/bank/transfers/transfer.js';
import type { TransferCommand } from '../../src/domains/bank/transfers/transfer-commands.js';
import type { TransferEvent } from '../../src/domains/bank/transfers/transfer-events.js';
import { foldTransfer, type TransferState } from '../../src/domains/bank/transfers/transfer-state.js';
import { creditForTransfer, debitForTransfer, refundTransfer } from './bank.js';
import { failTransfer, recordCredit, recordCreditRefused, recordDebit, recordRefund } from './transfers.js';

/*
 * An in-memory bank for properties of transfers: each account's and each transfer's log, decided
 * on by the real deciders, and a minimal process manager that, as the real one must, decides each
 * step on the transfer's current state: send the account its step, then record the outcome on the
 * transfer (a refusal's code as the reason). Transfer i has the id `tr-<i>`.
 */

export type StepCommand =
  | { readonly to: 'account'; readonly command: BankCommand }
  | { readonly to: 'transfer'; readonly command: TransferCommand };

/** The two accounts' logs, each transfer's log, and the step commands that were accepted. */
export class InMemoryBank {
  readonly accounts: Map<string, BankEvent[]>;
  readonly transfers: TransferEvent[][] = [];
  readonly accepted: StepCommand[] = [];

  constructor(accountIds: readonly string[]) {
    this.accounts = new Map(accountIds.map((id) => [id, []]));
  }

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

export const transferId = (index: number) => `tr-${index}`;

/**
 * The process manager's next step for a transfer, from its current state. With `crash`, it stops
 * after the account's step, before recording it on the transfer.
 */
export const advance = (bank: InMemoryBank, index: number, crash: boolean): void => {
  const state = bank.transferState(index);
  if (state.status !== 'pending') return;
  const { fromAccountId, toAccountId, amount, currency } = state.terms;
  const ids = { transferId: transferId(index) };
  const amountOf = { minorUnits: amount };
  const record = (command: TransferCommand) => {
    if (crash) return;
    expect(bank.step({ to: 'transfer', command })).toBeUndefined();
  };
  switch (state.stage) {
    case 'requested': {
      const refused = bank.step({
        to: 'account',
        command: debitForTransfer(amountOf, { ...ids, accountId: fromAccountId }),
      });
      record(refused === undefined ? recordDebit(ids) : failTransfer(refused, ids));
      return;
    }
    case 'debited': {
      const credit = creditForTransfer(amountOf, { ...ids, accountId: toAccountId, currency });
      const refused = bank.step({ to: 'account', command: credit });
      record(refused === undefined ? recordCredit(ids) : recordCreditRefused(refused, ids));
      return;
    }
    case 'credit-refused': {
      const refund = refundTransfer(amountOf, { ...ids, accountId: fromAccountId });
      expect(bank.step({ to: 'account', command: refund })).toBeUndefined();
      record(recordRefund(ids));
      return;
    }
  }
};
