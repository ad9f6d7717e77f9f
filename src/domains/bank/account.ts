import {
  checkAmount,
  type Decider,
  DomainError,
  formatMinorUnits,
  requireId,
  ValidationError,
} from '../../core/index.js';
import {
  accountClosedEvent,
  cancelAccountClose,
  completeAccountClose,
  evolveCloseRequest,
  requestAccountClose,
  withoutCloseRequest,
} from './account-closing.js';
import {
  type AccountState,
  closePendingMark,
  initialState,
  noTransfers,
  requireOpen,
  requireRoomFor,
  requireTakingMoneyIn,
} from './account-state.js';
import { creditForTransfer, debitForTransfer, evolveTransferMovement, refundTransfer } from './account-transfers.js';
import type { BankCommand, CloseAccount, DepositMoney, OpenAccount, WithdrawMoney } from './commands.js';
import { parseCurrencyCode } from './currency.js';
import {
  type AccountClosed,
  type AccountOpened,
  type BankEvent,
  eventOccurredAt,
  type MoneyDeposited,
  type MoneyWithdrawn,
  unspecifiedSource,
} from './events.js';

export type { AccountState, ClosedAccount, NewAccount, OpenedAccount } from './account-state.js';
export { initialState } from './account-state.js';

/** Stream category of accounts; `$ce-account` and category filters rely on the `<category>-<id>` form. */
export const accountCategory = 'account';

export const accountStreamName = (accountId: string): string => `${accountCategory}-${accountId}`;

/** The stream a command reads and appends to. */
export const commandStreamName = (command: BankCommand): string => accountStreamName(command.data.accountId);

/**
 * Applies one event. Never throws: an event that happened, happened. One that does not fit the
 * state (only a corrupted or hand-written stream could hold it) leaves the state as it was.
 */
export const evolve = (state: AccountState, event: BankEvent): AccountState => {
  switch (event.type) {
    case 'AccountOpened':
      return state.status === 'new' ? { status: 'open', ...event.data, balance: 0, transfers: noTransfers } : state;
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
      // The event's balanceAfter is the recorded fact; trusting it keeps evolve from disagreeing
      // with what readers of the same event see.
      return state.status === 'open' ? { ...state, balance: event.data.balanceAfter } : state;
    case 'AccountClosed':
      return state.status === 'open'
        ? { ...withoutCloseRequest(state), status: 'closed', closedAt: event.data.closedAt }
        : state;
    case 'AccountCloseRequested':
    case 'AccountCloseCancelled':
      return evolveCloseRequest(state, event);
    case 'MoneyTransferredOut':
    case 'MoneyTransferredIn':
    case 'TransferOutRefunded':
      return evolveTransferMovement(state, event);
    default:
      return ignoreUnknownEvent(state, event);
  }
};

// Compile time proves every type is handled; at run time an event type from newer code is skipped.
const ignoreUnknownEvent = (state: AccountState, _event: never): AccountState => state;

/** Folds an account's events, in stream order, into its state. */
export const foldAccount = (events: readonly BankEvent[]): AccountState => events.reduce(evolve, initialState);

/**
 * The events recorded at or before `asOf` (ISO-8601), in stream order. Stops at the first later
 * event rather than filtering, because stream order, not clock order, is the truth (clocks of two
 * command nodes may disagree by a little).
 */
export const eventsAsOf = <Event extends BankEvent>(events: readonly Event[], asOf: string): readonly Event[] => {
  const limit = Date.parse(asOf);
  const firstLater = events.findIndex((event) => Date.parse(eventOccurredAt(event)) > limit);
  return firstLater === -1 ? events : events.slice(0, firstLater);
};

/** The account as it stood at `asOf` (ISO-8601): folds the events recorded at or before it. */
export const foldAccountAsOf = (events: readonly BankEvent[], asOf: string): AccountState =>
  foldAccount(eventsAsOf(events, asOf));

/**
 * Picks the events a command causes, or throws `DomainError` for a broken rule. Each command's
 * function checks its input before the state, so malformed input is a `ValidationError` whatever
 * state the account is in.
 */
export const decide = (command: BankCommand, state: AccountState): BankEvent[] => {
  switch (command.type) {
    case 'OpenAccount':
      return openAccount(command, state);
    case 'DepositMoney':
      return depositMoney(command, state);
    case 'WithdrawMoney':
      return withdrawMoney(command, state);
    case 'CloseAccount':
      return closeAccount(command, state);
    case 'RequestAccountClose':
      return requestAccountClose(command, state);
    case 'CancelAccountClose':
      return cancelAccountClose(command, state);
    case 'CompleteAccountClose':
      return completeAccountClose(command, state);
    case 'DebitForTransfer':
      return debitForTransfer(command, state);
    case 'CreditForTransfer':
      return creditForTransfer(command, state);
    case 'RefundTransfer':
      return refundTransfer(command, state);
    default:
      return rejectUnknownCommand(command);
  }
};

const rejectUnknownCommand = (command: never): never => {
  throw new Error(`the bank does not handle command ${JSON.stringify((command as { type?: unknown }).type)}`);
};

const openAccount = ({ data, metadata }: OpenAccount, state: AccountState): [AccountOpened] => {
  const accountId = requireId(data.accountId, 'accountId');
  const ownerId = requireId(data.ownerId, 'ownerId');
  const currency = parseCurrencyCode(data.currency);
  if (state.status !== 'new') {
    throw new DomainError('ACCOUNT_ALREADY_EXISTS', `account ${accountId} already exists`);
  }
  return [{ type: 'AccountOpened', data: { accountId, ownerId, currency, openedAt: metadata.now } }];
};

/** The longest deposit source the bank records. */
const maxSourceLength = 100;

const depositSource = (source: string | undefined): string => {
  if (source === undefined) return unspecifiedSource;
  if (source.trim() === '' || source.length > maxSourceLength) {
    throw new ValidationError(`source must be 1 to ${maxSourceLength} characters, not blank`, 'source');
  }
  return source;
};

const depositMoney = ({ data, metadata }: DepositMoney, state: AccountState): [MoneyDeposited] => {
  requireId(data.accountId, 'accountId');
  const amount = checkAmount(data.amount);
  const source = depositSource(data.source);
  const account = requireTakingMoneyIn(state, data.accountId);
  requireRoomFor(account, amount, 'depositing');
  const { accountId, currency } = account;
  const balanceAfter = account.balance + amount;
  return [
    { type: 'MoneyDeposited', data: { accountId, amount, balanceAfter, currency, occurredAt: metadata.now, source } },
  ];
};

const withdrawMoney = ({ data, metadata }: WithdrawMoney, state: AccountState): [MoneyWithdrawn] => {
  requireId(data.accountId, 'accountId');
  const amount = checkAmount(data.amount);
  const account = requireOpen(state, data.accountId);
  if (amount > account.balance) {
    throw new DomainError(
      'INSUFFICIENT_FUNDS',
      `cannot withdraw ${formatMinorUnits(amount)} from account ${account.accountId}: the balance is ${formatMinorUnits(account.balance)}`,
    );
  }
  const { accountId, currency } = account;
  const balanceAfter = account.balance - amount;
  const moved = { accountId, amount, balanceAfter, currency, occurredAt: metadata.now };
  return [{ type: 'MoneyWithdrawn', data: { ...moved, ...closePendingMark(account) } }];
};

const closeAccount = ({ data, metadata }: CloseAccount, state: AccountState): [AccountClosed] => {
  requireId(data.accountId, 'accountId');
  const account = requireOpen(state, data.accountId);
  if (account.balance !== 0) {
    throw new DomainError(
      'ACCOUNT_NOT_EMPTY',
      `account ${account.accountId} still holds ${formatMinorUnits(account.balance)}; only an empty account can be closed`,
    );
  }
  return [accountClosedEvent(account, metadata.now)];
};

/** The bank account aggregate, as the command pipeline runs it. */
export const accountDecider: Decider<BankCommand, BankEvent, AccountState> = { initialState, decide, evolve };
