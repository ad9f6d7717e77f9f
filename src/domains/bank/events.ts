import type { DomainEvent, MinorUnits, Recorded } from '../../core/index.js';
import type { CurrencyCode } from './currency.js';

/*
 * What happened to bank accounts. Data is JSON-safe (ISO-8601 strings for times, integer minor
 * units for money), names the account it belongs to, and carries what a reader needs without
 * re-deriving it: a projection sets the balance from `balanceAfter` instead of replaying sums.
 * Never change what a stored field means. A type whose stored shape changes gets a new schema
 * version, and its decoder in event-decoders.ts upcasts the older ones to the shape below.
 */

export type AccountOpened = DomainEvent<
  'AccountOpened',
  {
    readonly accountId: string;
    readonly ownerId: string;
    readonly currency: CurrencyCode;
    readonly openedAt: string;
  }
>;

/** Shared by deposits and withdrawals: how much moved and where the balance ended up. */
interface MoneyMovement {
  readonly accountId: string;
  readonly amount: MinorUnits;
  readonly balanceAfter: MinorUnits;
  readonly currency: CurrencyCode;
  readonly occurredAt: string;
}

/**
 * On money out (a withdrawal, a transfer's debit): present, and true, when the account had a close
 * pending as the money left it. The close process (account-close-process.ts) reads it, so that its
 * reaction needs nothing but the event: one that leaves such an account at zero closes it. Absent
 * on every event recorded before closes could be requested, which is what they mean.
 */
interface MoneyOut {
  readonly closePending?: true;
}

/** Where deposited money came from, as the client said: 'cash', 'transfer', … or free text. */
export type DepositSource = string;

/** What a deposit recorded before it named its source (schema version 1). */
export const unspecifiedSource: DepositSource = 'unspecified';

/** Schema version 2; version 1 had no `source`. */
export type MoneyDeposited = DomainEvent<'MoneyDeposited', MoneyMovement & { readonly source: DepositSource }>;

export type MoneyWithdrawn = DomainEvent<'MoneyWithdrawn', MoneyMovement & MoneyOut>;

export type AccountClosed = DomainEvent<
  'AccountClosed',
  {
    readonly accountId: string;
    readonly closedAt: string;
    /**
     * The account's currency, so a read model keeping per-currency counts can update them from the
     * event alone (projection handlers write blind, they cannot look it up). Optional because
     * events recorded before it was added lack it.
     */
    readonly currency?: CurrencyCode;
  }
>;

/**
 * The owner or a teller asked to close an account that still held money: it closes once money out
 * leaves it at zero (the close process sends CompleteAccountClose), and takes no money in
 * meanwhile (ACCOUNT_CLOSING). An empty account is closed at once instead (AccountClosed).
 */
export type AccountCloseRequested = DomainEvent<
  'AccountCloseRequested',
  { readonly accountId: string; readonly requestedAt: string }
>;

/** The pending close was called off: the account is open as before, money in included. */
export type AccountCloseCancelled = DomainEvent<
  'AccountCloseCancelled',
  { readonly accountId: string; readonly cancelledAt: string }
>;

/** A close asked for, or called off. */
export type AccountCloseRequest = AccountCloseRequested | AccountCloseCancelled;

/**
 * Money a transfer moved on this account: `transferId` names the transfer (stream
 * `transfer-<transferId>`), whose own events say where the money went or came from.
 */
type TransferMovement = MoneyMovement & { readonly transferId: string };

/** The source account paid a transfer's amount out; it is in transit until credited or refunded. */
export type MoneyTransferredOut = DomainEvent<'MoneyTransferredOut', TransferMovement & MoneyOut>;

/** The target account received a transfer's amount. */
export type MoneyTransferredIn = DomainEvent<'MoneyTransferredIn', TransferMovement>;

/** The source account got back what a transfer whose credit was refused had taken out. */
export type TransferOutRefunded = DomainEvent<'TransferOutRefunded', TransferMovement>;

/** The events that move money for a transfer, as readers that treat them alike name them. */
export type TransferMoneyMoved = MoneyTransferredOut | MoneyTransferredIn | TransferOutRefunded;

export type BankEvent =
  | AccountOpened
  | MoneyDeposited
  | MoneyWithdrawn
  | AccountClosed
  | TransferMoneyMoved
  | AccountCloseRequest;

export type BankEventType = BankEvent['type'];

/** A bank event as read back from the log, in its current shape: what the fold, history and projections see. */
export type RecordedBankEvent = Recorded<BankEvent>;

/** Every bank event type, for subscription filters and projections' `handles` lists. */
export const bankEventTypes: readonly BankEventType[] = [
  'AccountOpened',
  'MoneyDeposited',
  'MoneyWithdrawn',
  'AccountClosed',
  'MoneyTransferredOut',
  'MoneyTransferredIn',
  'TransferOutRefunded',
  'AccountCloseRequested',
  'AccountCloseCancelled',
];

/** The business time an event records (the `now` of the command that caused it), ISO-8601. */
export const eventOccurredAt = (event: BankEvent): string => {
  switch (event.type) {
    case 'AccountOpened':
      return event.data.openedAt;
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
    case 'MoneyTransferredOut':
    case 'MoneyTransferredIn':
    case 'TransferOutRefunded':
      return event.data.occurredAt;
    case 'AccountClosed':
      return event.data.closedAt;
    case 'AccountCloseRequested':
      return event.data.requestedAt;
    case 'AccountCloseCancelled':
      return event.data.cancelledAt;
  }
};
