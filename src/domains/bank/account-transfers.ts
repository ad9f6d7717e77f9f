import { checkAmount, DomainError, formatMinorUnits, type MinorUnits, requireId } from '../../core/index.js';
import {
  type AccountState,
  closePendingMark,
  rememberTransfer,
  requireOpen,
  requireRoomFor,
  requireTakingMoneyIn,
  type TransferMark,
} from './account-state.js';
import type { CreditForTransfer, DebitForTransfer, RefundTransfer } from './commands.js';
import { parseCurrencyCode } from './currency.js';
import type { MoneyTransferredIn, MoneyTransferredOut, TransferMoneyMoved, TransferOutRefunded } from './events.js';

/*
 * A transfer's steps on an account: debit the source, credit the target, or refund the source.
 * Each is idempotent per transfer id: a step the account already recorded for that transfer
 * decides nothing (no events), so the process manager may send it again after a crash. A step
 * that contradicts what the account recorded (another amount, the other side of the transfer) is
 * refused with TRANSFER_MISMATCH: it is a bug upstream, and guessing would move money wrongly.
 * Input is checked before the memory, the memory before the account's status: a step done before
 * the account closed is still done.
 */

const recordedPart = (state: AccountState, transferId: string): TransferMark | undefined =>
  state.status === 'new' ? undefined : state.transfers.get(transferId);

const mismatch = (accountId: string, transferId: string, recorded: TransferMark, asked: string): DomainError =>
  new DomainError(
    'TRANSFER_MISMATCH',
    `account ${accountId} recorded transfer ${transferId} as ${recorded.part} ${formatMinorUnits(recorded.amount)}; ${asked} contradicts it`,
  );

/** True when the step was already recorded as `parts` for this amount; throws when it contradicts it. */
const alreadyRecorded = (
  state: AccountState,
  ids: { readonly accountId: string; readonly transferId: string },
  amount: MinorUnits,
  parts: readonly TransferMark['part'][],
  asked: string,
): boolean => {
  const recorded = recordedPart(state, ids.transferId);
  if (recorded === undefined) return false;
  if (!parts.includes(recorded.part) || recorded.amount !== amount) {
    throw mismatch(ids.accountId, ids.transferId, recorded, `${asked} ${formatMinorUnits(amount)}`);
  }
  return true;
};

const transferIds = (data: { readonly accountId: string; readonly transferId: string }) => ({
  accountId: requireId(data.accountId, 'accountId'),
  transferId: requireId(data.transferId, 'transferId'),
});

export const debitForTransfer = ({ data, metadata }: DebitForTransfer, state: AccountState): MoneyTransferredOut[] => {
  const ids = transferIds(data);
  const amount = checkAmount(data.amount);
  // Refunded too: the debit happened, and was given back; it is not taken again.
  if (alreadyRecorded(state, ids, amount, ['debited', 'refunded'], 'a debit of')) return [];
  const account = requireOpen(state, ids.accountId);
  if (amount > account.balance) {
    throw new DomainError(
      'INSUFFICIENT_FUNDS',
      `cannot transfer ${formatMinorUnits(amount)} from account ${account.accountId}: the balance is ${formatMinorUnits(account.balance)}`,
    );
  }
  const balanceAfter = account.balance - amount;
  const moved = { ...ids, amount, balanceAfter, currency: account.currency, occurredAt: metadata.now };
  return [{ type: 'MoneyTransferredOut', data: { ...moved, ...closePendingMark(account) } }];
};

export const creditForTransfer = ({ data, metadata }: CreditForTransfer, state: AccountState): MoneyTransferredIn[] => {
  const ids = transferIds(data);
  const amount = checkAmount(data.amount);
  const currency = parseCurrencyCode(data.currency);
  if (alreadyRecorded(state, ids, amount, ['credited'], 'a credit of')) return [];
  const account = requireTakingMoneyIn(state, ids.accountId);
  if (account.currency !== currency) {
    throw new DomainError(
      'CURRENCY_MISMATCH',
      `account ${account.accountId} holds ${account.currency}; it cannot be credited in ${currency}`,
    );
  }
  requireRoomFor(account, amount, 'crediting');
  const balanceAfter = account.balance + amount;
  return [{ type: 'MoneyTransferredIn', data: { ...ids, amount, balanceAfter, currency, occurredAt: metadata.now } }];
};

/**
 * Gives back a debit this account recorded. Refused for a transfer it never debited (no money is
 * made out of nothing), but not for a closed account: the money left it and must come back, so a
 * source closed while its transfer was under way holds the refund.
 */
export const refundTransfer = ({ data, metadata }: RefundTransfer, state: AccountState): TransferOutRefunded[] => {
  const ids = transferIds(data);
  const amount = checkAmount(data.amount);
  if (state.status === 'new') throw new DomainError('ACCOUNT_NOT_FOUND', `account ${ids.accountId} does not exist`);
  const recorded = state.transfers.get(ids.transferId);
  if (recorded === undefined) {
    throw new DomainError(
      'TRANSFER_NOT_DEBITED',
      `account ${ids.accountId} has no debit of transfer ${ids.transferId} to refund`,
    );
  }
  if (recorded.part === 'credited' || recorded.amount !== amount) {
    throw mismatch(ids.accountId, ids.transferId, recorded, `a refund of ${formatMinorUnits(amount)}`);
  }
  if (recorded.part === 'refunded') return [];
  requireRoomFor(state, amount, 'refunding');
  const balanceAfter = state.balance + amount;
  const { currency } = state;
  return [{ type: 'TransferOutRefunded', data: { ...ids, amount, balanceAfter, currency, occurredAt: metadata.now } }];
};

const partRecorded: Readonly<Record<TransferMoneyMoved['type'], TransferMark['part']>> = {
  MoneyTransferredOut: 'debited',
  MoneyTransferredIn: 'credited',
  TransferOutRefunded: 'refunded',
};

/**
 * A transfer's money movement applied: the balance it recorded, and the transfer remembered. A
 * debit or credit applies to an open account only (as deposits do); a refund to a closed one too.
 */
export const evolveTransferMovement = (state: AccountState, event: TransferMoneyMoved): AccountState => {
  if (state.status === 'new') return state;
  if (state.status === 'closed' && event.type !== 'TransferOutRefunded') return state;
  const { transferId, amount, balanceAfter } = event.data;
  const transfers = rememberTransfer(state.transfers, transferId, { part: partRecorded[event.type], amount });
  return { ...state, balance: balanceAfter, transfers };
};
