import { randomUUID } from 'node:crypto';
import { derivedId, type IssuedCommand } from '../../../core/index.js';
import type {
  CancelAccountClose,
  CloseAccount,
  DepositMoney,
  OpenAccount,
  RequestAccountClose,
  WithdrawMoney,
} from '../commands.js';
import type { CloseAccountInput, DepositInput, OpenAccountInput, WithdrawInput } from './command-inputs.js';

/*
 * GraphQL inputs become commands here: the edge supplies the ids pure code may not make itself.
 * Who asked and when is stamped by the pipeline's middleware from the request.
 */

/**
 * A new account's id when the client gave none: derived from the command id when there is one,
 * so a retried openAccount opens the same account rather than a second one.
 */
const newAccountId = (commandId: string | null | undefined): string =>
  commandId ? derivedId(commandId, 'account') : randomUUID();

export const openAccountCommand = (input: OpenAccountInput): IssuedCommand<OpenAccount> => ({
  type: 'OpenAccount',
  data: {
    accountId: input.accountId ?? newAccountId(input.commandId),
    ownerId: input.ownerId,
    currency: input.currency,
  },
  commandId: input.commandId,
});

export const depositCommand = (input: DepositInput): IssuedCommand<DepositMoney> => ({
  type: 'DepositMoney',
  data: { accountId: input.accountId, amount: input.amount, ...(input.source == null ? {} : { source: input.source }) },
  commandId: input.commandId,
});

export const withdrawCommand = (input: WithdrawInput): IssuedCommand<WithdrawMoney> => ({
  type: 'WithdrawMoney',
  data: { accountId: input.accountId, amount: input.amount },
  commandId: input.commandId,
});

/** A command that names an account and nothing else. */
const onAccount = <Type extends string>(type: Type, input: CloseAccountInput) => ({
  type,
  data: { accountId: input.accountId },
  commandId: input.commandId,
});

export const closeAccountCommand = (input: CloseAccountInput): IssuedCommand<CloseAccount> =>
  onAccount('CloseAccount', input);

export const requestAccountCloseCommand = (input: CloseAccountInput): IssuedCommand<RequestAccountClose> =>
  onAccount('RequestAccountClose', input);

export const cancelAccountCloseCommand = (input: CloseAccountInput): IssuedCommand<CancelAccountClose> =>
  onAccount('CancelAccountClose', input);
