import { DomainError, formatMinorUnits, type MinorUnits } from '../../core/index.js';
import type { CurrencyCode } from './currency.js';

/** What an account recorded of one transfer: which part it played, and for how much. */
export interface TransferMark {
  /** `debited` on the source (then `refunded` if the credit was refused), `credited` on the target. */
  readonly part: 'debited' | 'credited' | 'refunded';
  readonly amount: MinorUnits;
}

/**
 * The transfers an account moved money for, by transfer id, oldest first.
 *
 * Why the account keeps them rather than leaning on command ids alone: the pipeline recognises a
 * repeated command by its id over every command id the stream recorded, and the process manager
 * derives its commands' ids from the causing event, which covers the redelivery it knows of. But
 * money must not move twice when the same step comes under another id too (a second saga, an
 * operator replaying a step, a process manager whose ids are derived differently after an
 * upgrade): the account itself knows which transfers it already moved money for.
 *
 * Bounded: the last {@link maxRememberedTransfers} transfers, the oldest forgotten first. A step is
 * sent right after the transfer recorded the one before, so a repeat comes within the few
 * transfers that touched the account meanwhile, not a thousand later; past that the command-id
 * check still answers. The bound also bounds the cost: each transfer event copies at most that
 * many entries, and nothing else grows with the account's history.
 */
export type TransferMemory = ReadonlyMap<string, TransferMark>;

export const maxRememberedTransfers = 1_000;

export const noTransfers: TransferMemory = new Map();

/** The memory with `transferId` marked (a new mark, or a part that follows the one recorded). */
export const rememberTransfer = (memory: TransferMemory, transferId: string, mark: TransferMark): TransferMemory => {
  const next = new Map(memory);
  next.set(transferId, mark);
  for (const oldest of next.keys()) {
    if (next.size <= maxRememberedTransfers) break;
    next.delete(oldest);
  }
  return next;
};

/** What every opened account knows, open or closed: what `accountAsOf` shows. */
interface AccountDetails {
  readonly accountId: string;
  readonly ownerId: string;
  readonly currency: CurrencyCode;
  readonly balance: MinorUnits;
  readonly openedAt: string;
  readonly transfers: TransferMemory;
}

/** No event yet: the stream does not exist. */
export interface NewAccount {
  readonly status: 'new';
}

export interface OpenedAccount extends AccountDetails {
  readonly status: 'open';
  /**
   * When a close was requested that is still pending (account-closing.ts): the account takes no
   * money in, and closes once money out leaves it at zero. Absent while none is.
   */
  readonly closeRequestedAt?: string;
}

/**
 * Closed for good. The balance is the zero it was closed at, unless a transfer out that was still
 * under way when it closed was refunded since: money owed back is never refused, so the account
 * holds it (see `refundTransfer`).
 */
export interface ClosedAccount extends AccountDetails {
  readonly status: 'closed';
  readonly closedAt: string;
}

export type AccountState = NewAccount | OpenedAccount | ClosedAccount;

export const initialState: AccountState = { status: 'new' };

/** The account, if it was opened and is not closed. */
export const requireOpen = (state: AccountState, accountId: string): OpenedAccount => {
  switch (state.status) {
    case 'new':
      throw new DomainError('ACCOUNT_NOT_FOUND', `account ${accountId} does not exist`);
    case 'closed':
      throw new DomainError('ACCOUNT_CLOSED', `account ${accountId} is closed`);
    case 'open':
      return state;
  }
};

/** The open account, if it takes money in: not while a close is pending (ACCOUNT_CLOSING). */
export const requireTakingMoneyIn = (state: AccountState, accountId: string): OpenedAccount => {
  const account = requireOpen(state, accountId);
  if (account.closeRequestedAt !== undefined) {
    throw new DomainError(
      'ACCOUNT_CLOSING',
      `account ${accountId} closes once it is empty (requested ${account.closeRequestedAt}); it takes no money in`,
    );
  }
  return account;
};

/** Marks money out of an account with a close pending, for the close process to see in the event. */
export const closePendingMark = (account: OpenedAccount): { readonly closePending?: true } =>
  account.closeRequestedAt === undefined ? {} : { closePending: true };

/** Refuses money in that would take the balance past what a JS number holds exactly. */
export const requireRoomFor = (account: OpenedAccount | ClosedAccount, amount: MinorUnits, what: string): void => {
  // Written as a subtraction so the comparison itself never leaves the exactly representable range.
  if (amount > Number.MAX_SAFE_INTEGER - account.balance) {
    throw new DomainError(
      'BALANCE_LIMIT_EXCEEDED',
      `${what} ${formatMinorUnits(amount)} would take account ${account.accountId} above the largest balance it can hold`,
    );
  }
};
