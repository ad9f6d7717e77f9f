import {
  type DomainError,
  type ProcessManager,
  type ProcessStep,
  processStep,
  type StepCommand,
} from '../../../core/index.js';
import { accountAggregate } from '../account-aggregate.js';
import { transferAggregate } from './transfer-aggregate.js';
import type { TransferCommand } from './transfer-commands.js';
import { transferEventDecoders } from './transfer-event-decoders.js';
import type { TransferEvent, TransferRequested } from './transfer-events.js';
import { transferCategory } from './transfer-state.js';

/*
 * The transfers' process manager: drives a requested transfer through its steps, each command
 * acknowledged before the next is sent, money moved on an account before the transfer records it:
 *
 *   DebitForTransfer on the source          refused: FailTransfer (the refusal's code)    FAILED
 *   RecordDebit on the transfer
 *   CreditForTransfer on the target         refused: RecordCreditRefused (the code),
 *                                                     RefundTransfer on the source,
 *                                                     RecordRefund on the transfer          FAILED
 *   RecordCredit on the transfer                                                          COMPLETED
 *
 * One reaction to TransferRequested, because that event alone holds every term the steps need
 * (the later transfer events name only the account that moved). Each record is decided on the
 * transfer's current state: the credit is sent only once the transfer took the debit, the refund
 * only once it took the refused credit. A step that no longer fits (a debit that went through on
 * a replay after the transfer had failed for want of funds: a refusal leaves no trace on the
 * account) is refused with TRANSFER_STEP_OUT_OF_ORDER; with no failure path, the event goes down
 * its failure policy and is parked for a person, never swallowed with the money in transit.
 * Pure: everything it needs is in the event.
 */

export const transferProcessName = 'transfers';

/** An account's refusals that fail a transfer; anything else is a bug upstream, to park. */
const failsTheTransfer: ReadonlySet<string> = new Set([
  'INSUFFICIENT_FUNDS',
  'ACCOUNT_NOT_FOUND',
  'ACCOUNT_CLOSED',
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

/** The steps of one transfer, from its request. */
export const transferSteps = ({ data }: TransferRequested): readonly ProcessStep[] => {
  const { transferId, fromAccountId, toAccountId, amount, currency } = data;
  const refund = (error: DomainError): readonly ProcessStep[] => [
    record({ type: 'RecordCreditRefused', data: { transferId, reason: reasonOf(error) } }),
    processStep(accountAggregate, { type: 'RefundTransfer', data: { accountId: fromAccountId, transferId, amount } }),
    record({ type: 'RecordRefund', data: { transferId } }),
  ];
  return [
    processStep(
      accountAggregate,
      { type: 'DebitForTransfer', data: { accountId: fromAccountId, transferId, amount } },
      (error) => [record({ type: 'FailTransfer', data: { transferId, reason: reasonOf(error) } })],
    ),
    record({ type: 'RecordDebit', data: { transferId } }),
    processStep(
      accountAggregate,
      { type: 'CreditForTransfer', data: { accountId: toAccountId, transferId, amount, currency } },
      refund,
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
