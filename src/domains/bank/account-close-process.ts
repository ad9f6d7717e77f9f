import { type ProcessManager, type ProcessStep, processStep } from '../../core/index.js';
import { accountCategory } from './account.js';
import { accountAggregate } from './account-aggregate.js';
import { bankEventDecoders } from './event-decoders.js';
import type { BankEvent, MoneyTransferredOut, MoneyWithdrawn } from './events.js';

/*
 * The close process: a pending close request (account-closing.ts) completes once the account is
 * empty. Money out of an account with a close pending is marked `closePending` by the account
 * itself, so the reaction needs only the event: money out that leaves a marked account at zero
 * sends CompleteAccountClose to it. One step, no failure path:
 *
 *   MoneyWithdrawn / MoneyTransferredOut, closePending, balanceAfter 0
 *     → CompleteAccountClose on the account      closed; or nothing, if it is not due any more
 *
 * The account decides the close on its current state, not on the event: closed already (a replay,
 * or a plain close in between), the request called off, or money back in since (a transfer's
 * refund), it records nothing, and a later emptying closes it. A refusal (only ACCOUNT_NOT_FOUND
 * could be one, for an account whose own event woke the process) is a failure of the event,
 * parked in the end. The same generic runner as the transfers' drives it (core's process
 * managers): its own checkpoint, lease and parked events, command ids derived from the event.
 */

export const accountCloseProcessName = 'account-close-process';

type MoneyOut = MoneyWithdrawn | MoneyTransferredOut;

/** The step money out calls for: the close, when it emptied an account with a close pending. */
export const closeSteps = ({ data }: MoneyOut): readonly ProcessStep[] =>
  data.closePending === true && data.balanceAfter === 0
    ? [processStep(accountAggregate, { type: 'CompleteAccountClose', data: { accountId: data.accountId } })]
    : [];

/** Closes every account whose close was requested, once money out empties it. */
export const accountCloseProcess: ProcessManager<BankEvent> = {
  name: accountCloseProcessName,
  events: bankEventDecoders,
  handles: ['MoneyWithdrawn', 'MoneyTransferredOut'],
  streamCategory: accountCategory,
  react: (event) => (event.type === 'MoneyWithdrawn' || event.type === 'MoneyTransferredOut' ? closeSteps(event) : []),
};
