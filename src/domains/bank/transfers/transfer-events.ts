import type { DomainEvent, MinorUnits, Recorded } from '../../../core/index.js';
import type { CurrencyCode } from '../currency.js';

/*
 * What happened to a transfer (stream `transfer-<transferId>`). Each event records one step of
 * the transfer at the business time of the command that recorded it (`occurredAt`); where it
 * sits in the log comes from the log. The money itself moves on the accounts (MoneyTransferredOut,
 * MoneyTransferredIn, TransferOutRefunded in ../events.ts); these record that it did.
 * JSON-safe, as every event: ISO-8601 times, integer minor units.
 */

interface TransferStep {
  readonly transferId: string;
  readonly occurredAt: string;
}

export type TransferRequested = DomainEvent<
  'TransferRequested',
  TransferStep & {
    readonly fromAccountId: string;
    readonly toAccountId: string;
    readonly amount: MinorUnits;
    readonly currency: CurrencyCode;
  }
>;

/** The source account paid the amount out (`accountId` is the source). */
export type TransferDebited = DomainEvent<
  'TransferDebited',
  TransferStep & { readonly accountId: string; readonly amount: MinorUnits }
>;

/** The target account received the amount (`accountId` is the target). */
export type TransferCredited = DomainEvent<
  'TransferCredited',
  TransferStep & { readonly accountId: string; readonly amount: MinorUnits }
>;

/** The target account refused the credit for good; `reason` is its refusal's code (ACCOUNT_CLOSED, …). */
export type TransferCreditRefused = DomainEvent<'TransferCreditRefused', TransferStep & { readonly reason: string }>;

/** The source account got the amount back (`accountId` is the source). */
export type TransferRefunded = DomainEvent<
  'TransferRefunded',
  TransferStep & { readonly accountId: string; readonly amount: MinorUnits }
>;

export type TransferCompleted = DomainEvent<'TransferCompleted', TransferStep>;

/**
 * Settled without moving money: the debit was refused, or the credit was and the debit was
 * refunded. `reason` is the refusal's code (INSUFFICIENT_FUNDS, ACCOUNT_CLOSED, CURRENCY_MISMATCH, …).
 */
export type TransferFailed = DomainEvent<'TransferFailed', TransferStep & { readonly reason: string }>;

export type TransferEvent =
  | TransferRequested
  | TransferDebited
  | TransferCredited
  | TransferCreditRefused
  | TransferRefunded
  | TransferCompleted
  | TransferFailed;

export type TransferEventType = TransferEvent['type'];

export type RecordedTransferEvent = Recorded<TransferEvent>;

/** Every transfer event type, for subscription filters and `handles` lists. */
export const transferEventTypes: readonly TransferEventType[] = [
  'TransferRequested',
  'TransferDebited',
  'TransferCredited',
  'TransferCreditRefused',
  'TransferRefunded',
  'TransferCompleted',
  'TransferFailed',
];
