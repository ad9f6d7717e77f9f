import type { DomainCommand, MinorUnits } from '../../../core/index.js';

/*
 * What may be asked of a transfer. A client asks for one (RequestTransfer); the transfer's process
 * manager records each step once an account has taken it, or been refused it for good. Recording
 * is idempotent: a step recorded already decides nothing.
 *
 * Why there is no CompleteTransfer: a credit recorded is the transfer completed, and a refund
 * recorded is it failed, so RecordCredit and RecordRefund settle the transfer in the same append
 * (a completed transfer takes five appends: request, debit, its record, credit, its record). A
 * separate command would only open a window in which the money has moved and the transfer still
 * says PENDING, one more step for a crashed process manager to resume.
 */

export type RequestTransfer = DomainCommand<
  'RequestTransfer',
  {
    /** Supplied by the client or derived by the resolver; the decider makes no ids. */
    readonly transferId: string;
    readonly fromAccountId: string;
    readonly toAccountId: string;
    readonly amount: MinorUnits;
    /** The source account's currency as the resolver read it; unchecked text. */
    readonly currency: string;
  }
>;

/** The source account recorded the debit (MoneyTransferredOut). */
export type RecordDebit = DomainCommand<'RecordDebit', { readonly transferId: string }>;

/** The source account refused the debit for good (INSUFFICIENT_FUNDS, ACCOUNT_CLOSED, …): nothing moved. */
export type FailTransfer = DomainCommand<'FailTransfer', { readonly transferId: string; readonly reason: string }>;

/** The target account recorded the credit (MoneyTransferredIn): the transfer is complete. */
export type RecordCredit = DomainCommand<'RecordCredit', { readonly transferId: string }>;

/** The target account refused the credit for good: the debit is to be refunded. */
export type RecordCreditRefused = DomainCommand<
  'RecordCreditRefused',
  { readonly transferId: string; readonly reason: string }
>;

/** The source account recorded the refund (TransferOutRefunded): the transfer failed, nothing moved. */
export type RecordRefund = DomainCommand<'RecordRefund', { readonly transferId: string }>;

/** A step on an account the process manager asks the transfer about before it takes it. */
export type AccountStep = 'debit' | 'credit';

/**
 * Is this step on an account still due? Decides nothing when it is, and is refused when it is
 * not: TRANSFER_SETTLED once the transfer completed or failed, TRANSFER_CREDIT_REFUSED for a
 * credit already refused (its refund is due instead). Refusals leave no trace on the accounts, so
 * a step sent again on a replay would be decided again there, and may pass where it was refused
 * (a deposit came, the missing target was opened): only the transfer knows it is no longer due.
 */
export type ConfirmTransferStep = DomainCommand<
  'ConfirmTransferStep',
  { readonly transferId: string; readonly step: AccountStep }
>;

export type TransferCommand =
  | RequestTransfer
  | RecordDebit
  | FailTransfer
  | RecordCredit
  | RecordCreditRefused
  | RecordRefund
  | ConfirmTransferStep;
