import { checkAmount, type Decider, DomainError, requireId, ValidationError } from '../../../core/index.js';
import { parseCurrencyCode } from '../currency.js';
import type {
  ConfirmTransferStep,
  FailTransfer,
  RecordCredit,
  RecordCreditRefused,
  RecordDebit,
  RecordRefund,
  RequestTransfer,
  TransferCommand,
} from './transfer-commands.js';
import type { TransferEvent } from './transfer-events.js';
import {
  evolveTransfer,
  initialTransferState,
  type NoTransfer,
  type TransferState,
  transferStreamName,
} from './transfer-state.js';

/*
 * The transfer's decider. Each command's function checks its input before the state, so malformed
 * input is a ValidationError wherever the transfer is. Every step is idempotent: a step the transfer already recorded decides
 * nothing (no events), whatever came after it, so a process manager that sees an event twice or
 * crashes before its checkpoint can send the step again. A step that does not follow from where
 * the transfer is (a credit before the debit, a refund of a completed transfer) is refused with
 * TRANSFER_STEP_OUT_OF_ORDER and records nothing: it would move the books away from the money.
 */

/** The stream a transfer command reads and appends to. */
export const transferCommandStreamName = (command: TransferCommand): string =>
  transferStreamName(command.data.transferId);

export const decideTransfer = (command: TransferCommand, state: TransferState): TransferEvent[] => {
  switch (command.type) {
    case 'RequestTransfer':
      return requestTransfer(command, state);
    case 'RecordDebit':
      return recordDebit(command, state);
    case 'FailTransfer':
      return failTransfer(command, state);
    case 'RecordCredit':
      return recordCredit(command, state);
    case 'RecordCreditRefused':
      return recordCreditRefused(command, state);
    case 'RecordRefund':
      return recordRefund(command, state);
    case 'ConfirmTransferStep':
      return confirmTransferStep(command, state);
    default:
      return rejectUnknownCommand(command);
  }
};

const rejectUnknownCommand = (command: never): never => {
  throw new Error(`transfers do not handle command ${JSON.stringify((command as { type?: unknown }).type)}`);
};

/** A refusal's code as a step records it: upper-case letters, digits and `_`, as DomainError codes are. */
const parseReason = (reason: string): string => {
  if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(reason)) {
    throw new ValidationError(
      `reason must be an error code (A-Z, 0-9 and _, at most 64 characters); got ${JSON.stringify(reason)}`,
      'reason',
    );
  }
  return reason;
};

type KnownTransfer = Exclude<TransferState, NoTransfer>;

const requireKnown = (state: TransferState, transferId: string): KnownTransfer => {
  if (state.status === 'none') throw new DomainError('TRANSFER_NOT_FOUND', `transfer ${transferId} does not exist`);
  return state;
};

const whereItIs = (state: KnownTransfer): string => {
  switch (state.status) {
    case 'pending':
      return {
        requested: 'requested and not yet debited',
        debited: 'debited and not yet credited',
        'credit-refused': 'debited, and its credit was refused',
      }[state.stage];
    case 'completed':
      return 'completed';
    case 'failed':
      return state.refunded ? 'failed and refunded' : 'failed before its debit';
  }
};

const outOfOrder = (state: KnownTransfer, step: string): DomainError =>
  new DomainError(
    'TRANSFER_STEP_OUT_OF_ORDER',
    `transfer ${state.terms.transferId} is ${whereItIs(state)}; it cannot record ${step}`,
  );

const requestTransfer = ({ data, metadata }: RequestTransfer, state: TransferState): TransferEvent[] => {
  const transferId = requireId(data.transferId, 'transferId');
  const fromAccountId = requireId(data.fromAccountId, 'fromAccountId');
  const toAccountId = requireId(data.toAccountId, 'toAccountId');
  const amount = checkAmount(data.amount);
  const currency = parseCurrencyCode(data.currency);
  if (fromAccountId === toAccountId) {
    throw new DomainError('SAME_ACCOUNT', `a transfer needs two accounts; both are ${fromAccountId}`);
  }
  if (state.status !== 'none') {
    const { terms } = state;
    const same =
      terms.fromAccountId === fromAccountId &&
      terms.toAccountId === toAccountId &&
      terms.amount === amount &&
      terms.currency === currency;
    if (same) return [];
    throw new DomainError('TRANSFER_ALREADY_EXISTS', `transfer ${transferId} was requested with other terms`);
  }
  const occurredAt = metadata.now;
  return [
    { type: 'TransferRequested', data: { transferId, fromAccountId, toAccountId, amount, currency, occurredAt } },
  ];
};

const recordDebit = ({ data, metadata }: RecordDebit, state: TransferState): TransferEvent[] => {
  const transfer = requireKnown(state, requireId(data.transferId, 'transferId'));
  if (transfer.status === 'pending' && transfer.stage === 'requested') {
    const { transferId, fromAccountId: accountId, amount } = transfer.terms;
    return [{ type: 'TransferDebited', data: { transferId, accountId, amount, occurredAt: metadata.now } }];
  }
  // Past the debit already, except a transfer that failed because its debit was refused: money
  // debited for it now is a bug upstream, and its owner needs it refunded, not forgotten.
  if (transfer.status === 'failed' && !transfer.refunded) throw outOfOrder(transfer, 'a debit');
  return [];
};

const failTransfer = ({ data, metadata }: FailTransfer, state: TransferState): TransferEvent[] => {
  const transferId = requireId(data.transferId, 'transferId');
  const reason = parseReason(data.reason);
  const transfer = requireKnown(state, transferId);
  if (transfer.status === 'failed') return [];
  // Only a transfer that moved nothing fails this way; a debited one fails by its refund.
  if (transfer.status !== 'pending' || transfer.stage !== 'requested') throw outOfOrder(transfer, 'a refused debit');
  return [{ type: 'TransferFailed', data: { transferId, reason, occurredAt: metadata.now } }];
};

const recordCredit = ({ data, metadata }: RecordCredit, state: TransferState): TransferEvent[] => {
  const transfer = requireKnown(state, requireId(data.transferId, 'transferId'));
  if (transfer.status === 'completed') return [];
  if (transfer.status !== 'pending' || transfer.stage !== 'debited') throw outOfOrder(transfer, 'a credit');
  const { transferId, toAccountId: accountId, amount } = transfer.terms;
  const occurredAt = metadata.now;
  return [
    { type: 'TransferCredited', data: { transferId, accountId, amount, occurredAt } },
    { type: 'TransferCompleted', data: { transferId, occurredAt } },
  ];
};

const recordCreditRefused = ({ data, metadata }: RecordCreditRefused, state: TransferState): TransferEvent[] => {
  const transferId = requireId(data.transferId, 'transferId');
  const reason = parseReason(data.reason);
  const transfer = requireKnown(state, transferId);
  const refusedAlready =
    (transfer.status === 'pending' && transfer.stage === 'credit-refused') ||
    (transfer.status === 'failed' && transfer.refunded);
  if (refusedAlready) return [];
  if (transfer.status !== 'pending' || transfer.stage !== 'debited') throw outOfOrder(transfer, 'a refused credit');
  return [{ type: 'TransferCreditRefused', data: { transferId, reason, occurredAt: metadata.now } }];
};

const recordRefund = ({ data, metadata }: RecordRefund, state: TransferState): TransferEvent[] => {
  const transfer = requireKnown(state, requireId(data.transferId, 'transferId'));
  if (transfer.status === 'failed' && transfer.refunded) return [];
  if (transfer.status !== 'pending' || transfer.stage !== 'credit-refused') throw outOfOrder(transfer, 'a refund');
  const { transferId, fromAccountId: accountId, amount } = transfer.terms;
  const occurredAt = metadata.now;
  return [
    { type: 'TransferRefunded', data: { transferId, accountId, amount, occurredAt } },
    // The failure's reason is the credit's refusal: why the money could not arrive.
    { type: 'TransferFailed', data: { transferId, reason: transfer.reason, occurredAt } },
  ];
};

const accountSteps: ReadonlySet<string> = new Set(['debit', 'credit']);

/** Decides nothing, or refuses: the step is not due (see ConfirmTransferStep). */
const confirmTransferStep = ({ data }: ConfirmTransferStep, state: TransferState): TransferEvent[] => {
  const transferId = requireId(data.transferId, 'transferId');
  if (!accountSteps.has(data.step)) {
    throw new ValidationError(`step must be debit or credit; got ${JSON.stringify(data.step)}`, 'step');
  }
  const transfer = requireKnown(state, transferId);
  if (transfer.status !== 'pending') {
    throw new DomainError('TRANSFER_SETTLED', `transfer ${transferId} is ${whereItIs(transfer)}; no step is due`);
  }
  if (data.step === 'debit') return [];
  if (transfer.stage === 'credit-refused') {
    throw new DomainError('TRANSFER_CREDIT_REFUSED', `transfer ${transferId} is ${whereItIs(transfer)}`);
  }
  if (transfer.stage === 'requested') {
    throw new DomainError(
      'TRANSFER_STEP_OUT_OF_ORDER',
      `transfer ${transferId} is ${whereItIs(transfer)}; its credit is not due`,
    );
  }
  return [];
};

/** The transfer aggregate's logic, as the command pipeline runs it. */
export const transferDecider: Decider<TransferCommand, TransferEvent, TransferState> = {
  initialState: initialTransferState,
  decide: decideTransfer,
  evolve: evolveTransfer,
};
