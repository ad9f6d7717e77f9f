import { DomainError, requireId } from '../../core/index.js';
import { type AccountState, type OpenedAccount, requireOpen } from './account-state.js';
import type { CancelAccountClose, CompleteAccountClose, RequestAccountClose } from './commands.js';
import type { AccountCloseCancelled, AccountClosed, AccountCloseRequest, AccountCloseRequested } from './events.js';

/*
 * A close asked for ahead: the owner wants the account closed, and it still holds money. The
 * request is recorded (AccountCloseRequested) and the account goes on paying out (withdrawals,
 * transfers' debits), marking each such event `closePending`, but takes no money in (deposits and
 * transfers' credits are refused with ACCOUNT_CLOSING; a refund of a transfer out is still taken,
 * as money owed back always is). The close process (account-close-process.ts) answers money out
 * that leaves a marked account at zero with CompleteAccountClose, which closes it. Until then the
 * owner may call the request off (AccountCloseCancelled). An empty account is closed at once.
 *
 * CompleteAccountClose decides on the account's state, never on the event that woke the process:
 * closed already, or the request called off, or money back in since (a refund), it records
 * nothing, so the process may send it any number of times and the account closes once.
 */

/** The account closed at `closedAt`; the event the plain close and a completed request both record. */
export const accountClosedEvent = (account: OpenedAccount, closedAt: string): AccountClosed => {
  const { accountId, currency } = account;
  return { type: 'AccountClosed', data: { accountId, closedAt, currency } };
};

export const requestAccountClose = (
  { data, metadata }: RequestAccountClose,
  state: AccountState,
): [AccountClosed] | [AccountCloseRequested] => {
  requireId(data.accountId, 'accountId');
  const account = requireOpen(state, data.accountId);
  if (account.balance === 0) return [accountClosedEvent(account, metadata.now)];
  if (account.closeRequestedAt !== undefined) {
    throw new DomainError(
      'ACCOUNT_CLOSING',
      `a close of account ${account.accountId} is pending already, since ${account.closeRequestedAt}`,
    );
  }
  return [{ type: 'AccountCloseRequested', data: { accountId: account.accountId, requestedAt: metadata.now } }];
};

export const cancelAccountClose = (
  { data, metadata }: CancelAccountClose,
  state: AccountState,
): [AccountCloseCancelled] => {
  requireId(data.accountId, 'accountId');
  const account = requireOpen(state, data.accountId);
  if (account.closeRequestedAt === undefined) {
    throw new DomainError('CLOSE_NOT_REQUESTED', `account ${account.accountId} has no pending close to cancel`);
  }
  return [{ type: 'AccountCloseCancelled', data: { accountId: account.accountId, cancelledAt: metadata.now } }];
};

export const completeAccountClose = (
  { data, metadata }: CompleteAccountClose,
  state: AccountState,
): [] | [AccountClosed] => {
  requireId(data.accountId, 'accountId');
  // Closed already: by this very command before a replay, or by hand in between.
  if (state.status === 'closed') return [];
  const account = requireOpen(state, data.accountId);
  if (account.closeRequestedAt === undefined || account.balance !== 0) return [];
  return [accountClosedEvent(account, metadata.now)];
};

/** The open account without its pending close, if it had one. */
export const withoutCloseRequest = (account: OpenedAccount): OpenedAccount => {
  const { closeRequestedAt: _called, ...open } = account;
  return open;
};

/** A close request recorded or called off; only an open account has one. */
export const evolveCloseRequest = (state: AccountState, event: AccountCloseRequest): AccountState => {
  if (state.status !== 'open') return state;
  return event.type === 'AccountCloseRequested'
    ? { ...state, closeRequestedAt: event.data.requestedAt }
    : withoutCloseRequest(state);
};
