import { randomUUID } from 'node:crypto';
import { commandMetadata, derivedId, type RequestIdentity } from '../../../core/index.js';
import type { CloseAccount, DepositMoney, OpenAccount, WithdrawMoney } from '../commands.js';
import type { CloseAccountInput, DepositInput, OpenAccountInput, WithdrawInput } from './command-inputs.js';

/*
 * GraphQL inputs become commands here: the edge supplies what pure code may not make itself
 * (ids, the time, who asked).
 */

/**
 * A new account's id when the client gave none: derived from the command id when there is one,
 * so a retried openAccount opens the same account rather than a second one.
 */
const newAccountId = (commandId: string | null | undefined): string =>
  commandId ? derivedId(commandId, 'account') : randomUUID();

export const openAccountCommand = (input: OpenAccountInput, request: RequestIdentity): OpenAccount => ({
  type: 'OpenAccount',
  data: {
    accountId: input.accountId ?? newAccountId(input.commandId),
    ownerId: input.ownerId,
    currency: input.currency,
  },
  metadata: commandMetadata(request, input.commandId),
});

export const depositCommand = (input: DepositInput, request: RequestIdentity): DepositMoney => ({
  type: 'DepositMoney',
  data: { accountId: input.accountId, amount: input.amount, ...(input.source == null ? {} : { source: input.source }) },
  metadata: commandMetadata(request, input.commandId),
});

export const withdrawCommand = (input: WithdrawInput, request: RequestIdentity): WithdrawMoney => ({
  type: 'WithdrawMoney',
  data: { accountId: input.accountId, amount: input.amount },
  metadata: commandMetadata(request, input.commandId),
});

export const closeAccountCommand = (input: CloseAccountInput, request: RequestIdentity): CloseAccount => ({
  type: 'CloseAccount',
  data: { accountId: input.accountId },
  metadata: commandMetadata(request, input.commandId),
});
