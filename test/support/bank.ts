import type { CommandMetadata } from '../../src/core/decider.js';
import type { MinorUnits } from '../../src/core/money.js';
import { accountDecider } from '../../src/domains/bank/account.js';
import type {
  CancelAccountClose,
  CloseAccount,
  CompleteAccountClose,
  CreditForTransfer,
  DebitForTransfer,
  DepositMoney,
  OpenAccount,
  RefundTransfer,
  RequestAccountClose,
  WithdrawMoney,
} from '../../src/domains/bank/commands.js';
import type {
  AccountCloseCancelled,
  AccountClosed,
  AccountCloseRequested,
  AccountOpened,
  MoneyDeposited,
  MoneyTransferredIn,
  MoneyTransferredOut,
  MoneyWithdrawn,
  TransferOutRefunded,
} from '../../src/domains/bank/events.js';
import { deciderSpecification } from './decider-spec.js';

/*
 * Builders for bank events and commands with readable defaults: one account, one owner, EUR, and
 * one instant that commands carry as `now` and events record, so an expected event built here
 * matches what `decide` produces for a command built here. Amounts are decimal strings ("10.00"),
 * or `{ minorUnits }` for values no client could type (0, -5, 12.5 minor units).
 */

export const testAccountId = 'acc-1';
export const testOwnerId = 'owner-1';
export const testCurrency = 'EUR';
export const testNow = '2024-05-01T10:00:00.000Z';
export const testTransferId = 'tr-1';

export type Amount = string | { readonly minorUnits: number };

/** "12.50" → 1250 exactly, without the validation under test (so "0.00" is allowed here). */
export const minorUnits = (amount: Amount): MinorUnits => {
  if (typeof amount !== 'string') return amount.minorUnits;
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (!match) throw new Error(`test amount ${JSON.stringify(amount)} is not a decimal with up to 2 fraction digits`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
};

export const given = deciderSpecification(accountDecider);

interface EventOptions {
  readonly accountId?: string;
  readonly currency?: string;
  readonly at?: string;
  /** A deposit's source; 'unspecified' (what a deposit that names none records) by default. */
  readonly source?: string;
  /** Money out of an account with a close pending carries the mark. */
  readonly closePending?: true;
}

export const accountOpened = (data: Partial<AccountOpened['data']> = {}): AccountOpened => ({
  type: 'AccountOpened',
  data: { accountId: testAccountId, ownerId: testOwnerId, currency: testCurrency, openedAt: testNow, ...data },
});

const movement = (amount: Amount, balanceAfter: Amount, options: EventOptions) => ({
  accountId: options.accountId ?? testAccountId,
  amount: minorUnits(amount),
  balanceAfter: minorUnits(balanceAfter),
  currency: options.currency ?? testCurrency,
  occurredAt: options.at ?? testNow,
});

/** A deposit; by default the account was empty before it, so the balance after is the amount. */
export const moneyDeposited = (
  amount: Amount,
  balanceAfter: Amount = amount,
  options: EventOptions = {},
): MoneyDeposited => ({
  type: 'MoneyDeposited',
  data: { ...movement(amount, balanceAfter, options), source: options.source ?? 'unspecified' },
});

const closePendingMark = (options: EventOptions) => (options.closePending ? { closePending: true as const } : {});

export const moneyWithdrawn = (amount: Amount, balanceAfter: Amount, options: EventOptions = {}): MoneyWithdrawn => ({
  type: 'MoneyWithdrawn',
  data: { ...movement(amount, balanceAfter, options), ...closePendingMark(options) },
});

type TransferEventOptions = EventOptions & { readonly transferId?: string };

const transferMovement = (amount: Amount, balanceAfter: Amount, options: TransferEventOptions) => ({
  ...movement(amount, balanceAfter, options),
  transferId: options.transferId ?? testTransferId,
});

/** A transfer's debit of the account; `transferId` is tr-1 unless given. */
export const moneyTransferredOut = (
  amount: Amount,
  balanceAfter: Amount,
  options: TransferEventOptions = {},
): MoneyTransferredOut => ({
  type: 'MoneyTransferredOut',
  data: { ...transferMovement(amount, balanceAfter, options), ...closePendingMark(options) },
});

/** A transfer's credit of the account; by default the account was empty before it. */
export const moneyTransferredIn = (
  amount: Amount,
  balanceAfter: Amount = amount,
  options: TransferEventOptions = {},
): MoneyTransferredIn => ({ type: 'MoneyTransferredIn', data: transferMovement(amount, balanceAfter, options) });

export const transferOutRefunded = (
  amount: Amount,
  balanceAfter: Amount,
  options: TransferEventOptions = {},
): TransferOutRefunded => ({ type: 'TransferOutRefunded', data: transferMovement(amount, balanceAfter, options) });

export const accountClosed = (data: Partial<AccountClosed['data']> = {}): AccountClosed => ({
  type: 'AccountClosed',
  data: { accountId: testAccountId, closedAt: testNow, currency: testCurrency, ...data },
});

export const accountCloseRequested = (data: Partial<AccountCloseRequested['data']> = {}): AccountCloseRequested => ({
  type: 'AccountCloseRequested',
  data: { accountId: testAccountId, requestedAt: testNow, ...data },
});

export const accountCloseCancelled = (data: Partial<AccountCloseCancelled['data']> = {}): AccountCloseCancelled => ({
  type: 'AccountCloseCancelled',
  data: { accountId: testAccountId, cancelledAt: testNow, ...data },
});

interface CommandOptions {
  readonly accountId?: string;
  readonly now?: string;
  /** A deposit's source, as a client may give it. */
  readonly source?: string;
}

export const commandMetadata = (now = testNow): CommandMetadata => ({
  commandId: 'cmd-1',
  correlationId: 'cmd-1',
  causationId: 'cmd-1',
  now,
});

export const openAccount = (data: Partial<OpenAccount['data']> = {}, now = testNow): OpenAccount => ({
  type: 'OpenAccount',
  data: { accountId: testAccountId, ownerId: testOwnerId, currency: testCurrency, ...data },
  metadata: commandMetadata(now),
});

export const deposit = (amount: Amount, options: CommandOptions = {}): DepositMoney => ({
  type: 'DepositMoney',
  data: {
    accountId: options.accountId ?? testAccountId,
    amount: minorUnits(amount),
    ...(options.source === undefined ? {} : { source: options.source }),
  },
  metadata: commandMetadata(options.now),
});

export const withdraw = (amount: Amount, options: CommandOptions = {}): WithdrawMoney => ({
  type: 'WithdrawMoney',
  data: { accountId: options.accountId ?? testAccountId, amount: minorUnits(amount) },
  metadata: commandMetadata(options.now),
});

/** A command that names the account alone. */
const onAccount = <Type extends string>(type: Type, options: CommandOptions) => ({
  type,
  data: { accountId: options.accountId ?? testAccountId },
  metadata: commandMetadata(options.now),
});

export const closeAccount = (options: CommandOptions = {}): CloseAccount => onAccount('CloseAccount', options);

export const requestAccountClose = (options: CommandOptions = {}): RequestAccountClose =>
  onAccount('RequestAccountClose', options);

export const cancelAccountClose = (options: CommandOptions = {}): CancelAccountClose =>
  onAccount('CancelAccountClose', options);

export const completeAccountClose = (options: CommandOptions = {}): CompleteAccountClose =>
  onAccount('CompleteAccountClose', options);

interface TransferStepOptions {
  readonly accountId?: string;
  readonly transferId?: string;
  readonly now?: string;
}

const transferStep = (amount: Amount, options: TransferStepOptions) => ({
  accountId: options.accountId ?? testAccountId,
  transferId: options.transferId ?? testTransferId,
  amount: minorUnits(amount),
});

export const debitForTransfer = (amount: Amount, options: TransferStepOptions = {}): DebitForTransfer => ({
  type: 'DebitForTransfer',
  data: transferStep(amount, options),
  metadata: commandMetadata(options.now),
});

export const creditForTransfer = (
  amount: Amount,
  options: TransferStepOptions & { readonly currency?: string } = {},
): CreditForTransfer => ({
  type: 'CreditForTransfer',
  data: { ...transferStep(amount, options), currency: options.currency ?? testCurrency },
  metadata: commandMetadata(options.now),
});

export const refundTransfer = (amount: Amount, options: TransferStepOptions = {}): RefundTransfer => ({
  type: 'RefundTransfer',
  data: transferStep(amount, options),
  metadata: commandMetadata(options.now),
});
