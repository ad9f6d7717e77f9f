import {
  type DomainError,
  type ProcessManager,
  type ProcessStep,
  processStep,
  type StepCommand,
} from '../../../core/index.js';
import { accountAggregate } from '../account-aggregate.js';
import { transferAggregate } from './transfer-aggregate.js';
import type { AccountStep, TransferCommand } from './transfer-commands.js';
import { transferEventDecoders } from './transfer-event-decoders.js';
import type { TransferEvent, TransferRequested } from './transfer-events.js';
import { transferCategory } from './transfer-state.js';

/*
 * The transfers' process manager: drives a requested transfer through its steps, each command
 * acknowledged before the next is sent, money moved on an account before the transfer records it:
 *
 *   ConfirmTransferStep debit               settled: nothing more
 *   DebitForTransfer on the source          refused: FailTransfer (the refusal's code)    FAILED
 *   RecordDebit on the transfer
 *   ConfirmTransferStep credit              settled: nothing more; credit refused: the refund
 *   CreditForTransfer on the target         refused: RecordCreditRefused (the code),
 *                                                     RefundTransfer on the source,
 *                                                     RecordRefund on the transfer          FAILED
 *   RecordCredit on the transfer                                                          COMPLETED
 *
 * One reaction to TransferRequested, because that event alone holds every term the steps need
 * (the later transfer events name only the account that moved). Every step is decided on the
 * transfer's current state, not on the event: an account step only once the transfer confirms it
 * is due. That matters on a replay (a crash before the checkpoint): a refusal leaves no trace on
 * the account, so a debit refused for want of funds, or a credit refused for a missing target,
 * would be decided again there and might pass, after the transfer had failed. A record step has
 * no failure path: one the transfer refuses (TRANSFER_STEP_OUT_OF_ORDER) is a failure of the
 * event, which is parked for a person, never swallowed with the money in transit.
 * Pure: everything it needs is in the event.
 */

export const transferProcessName = 'transfer-process';

/** An account's refusals that fail a transfer; anything else is a bug upstream, to park. */
const failsTheTransfer: ReadonlySet<string> = new Set([
  'INSUFFICIENT_FUNDS',
  'ACCOUNT_NOT_FOUND',
  'ACCOUNT_CLOSED',
  // The target has a close pending and takes no money in (account-closing.ts).
  'ACCOUNT_CLOSING',
  'CURRENCY_MISMATCH',
  'BALANCE_LIMIT_EXCEEDED',
]);

/**
 * The refusal's code as the transfer's reason. TRANSFER_MISMATCH (the account recorded this
 * transfer otherwise) is no reason: failing the transfer would hide money that may have moved.
 * It is thrown again instead, a failure of the event, which its failure policy parks.
 */
const reasonOf = (error: DomainError): string => {
  if (!failsTheTransfer.has(error.code)) throw error;
  return error.code;
};

/** A step recorded on the transfer; refused, it is a failure of the event (parked in the end). */
const record = (command: StepCommand<TransferCommand>): ProcessStep => processStep(transferAggregate, command);

/**
 * Asks the transfer whether `step` is due before taking it: a settled transfer ends the reaction
 * there; `otherwise` says what a refusal with another code calls for (thrown again: parked).
 */
const confirm = (
  transferId: string,
  step: AccountStep,
  otherwise: (error: DomainError) => readonly ProcessStep[] = (error) => {
    throw error;
  },
): ProcessStep =>
  processStep(transferAggregate, { type: 'ConfirmTransferStep', data: { transferId, step } }, (error) =>
    error.code === 'TRANSFER_SETTLED' ? [] : otherwise(error),
  );

/** The steps of one transfer, from its request. */
export const transferSteps = ({ data }: TransferRequested): readonly ProcessStep[] => {
  const { transferId, fromAccountId, toAccountId, amount, currency } = data;
  const refundAndRecord: readonly ProcessStep[] = [
    processStep(accountAggregate, { type: 'RefundTransfer', data: { accountId: fromAccountId, transferId, amount } }),
    record({ type: 'RecordRefund', data: { transferId } }),
  ];
  return [
    confirm(transferId, 'debit'),
    processStep(
      accountAggregate,
      { type: 'DebitForTransfer', data: { accountId: fromAccountId, transferId, amount } },
      (error) => [record({ type: 'FailTransfer', data: { transferId, reason: reasonOf(error) } })],
    ),
    record({ type: 'RecordDebit', data: { transferId } }),
    // Refused already (the replay of a reaction cut off before its refund): the refund is due, not the credit.
    confirm(transferId, 'credit', (error) => {
      if (error.code !== 'TRANSFER_CREDIT_REFUSED') throw error;
      return refundAndRecord;
    }),
    processStep(
      accountAggregate,
      { type: 'CreditForTransfer', data: { accountId: toAccountId, transferId, amount, currency } },
      (error) => [
        record({ type: 'RecordCreditRefused', data: { transferId, reason: reasonOf(error) } }),
        ...refundAndRecord,
      ],
    ),
    record({ type: 'RecordCredit', data: { transferId } }),
  ];
};

/** Drives every transfer from its request to COMPLETED or FAILED. */
export const transferProcess: ProcessManager<TransferEvent> = {
  name: transferProcessName,
  events: transferEventDecoders,
  handles: ['TransferRequested'],
  streamCategory: transferCategory,
  react: (event) => (event.type === 'TransferRequested' ? transferSteps(event) : []),
};
