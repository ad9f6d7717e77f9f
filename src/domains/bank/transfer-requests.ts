import { randomUUID } from 'node:crypto';
import {
  type CommandPipeline,
  type CommandReceipt,
  DomainError,
  derivedId,
  type MinorUnits,
  type RequestIdentity,
  requireId,
} from '../../core/index.js';
import type { AccountOpening } from './account-owners.js';
import { transferAggregate } from './transfers/transfer-aggregate.js';

/** A transfer as a client asks for it. */
export interface TransferRequest {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: MinorUnits;
  readonly commandId?: string | null;
}

export interface TransferReceipt {
  readonly receipt: CommandReceipt;
  readonly transferId: string;
}

type OpeningOf = (accountId: string, field?: string) => Promise<AccountOpening | undefined>;

/**
 * A transfer's id: derived from the command id when the client gave one, so a retried transfer
 * mutation asks for the same transfer (and the pipeline answers its first receipt), else fresh.
 */
const newTransferId = (commandId: string | null | undefined): string =>
  commandId ? derivedId(commandId, 'transfer') : randomUUID();

/**
 * Asks for a transfer, refusing up front, with nothing appended, what could never complete: an
 * unknown source (ACCOUNT_NOT_FOUND) and a target that exists in another currency
 * (CURRENCY_MISMATCH); the decider refuses one account to itself (SAME_ACCOUNT) and a bad amount.
 *
 * The accounts are known by their openings (the first event of each stream), read through the
 * same cache as the access policy's owners: an account's existence and currency are fixed at its
 * opening, so one read of one event per account, ever, answers both checks, and an account opened
 * a moment ago counts (a read model might not show it yet; folding the source would read its
 * whole stream for two facts that never change). Whatever changes later (the source's balance,
 * either account closing, a target opened after the request) is the process manager's to meet at
 * its step, and fails the transfer with that step's reason.
 *
 * These checks come before the access policy's (the pipeline's), so a customer learns whether a
 * source exists and, from a target, its currency; a transfer to any account reveals both anyway
 * (its credit fails with ACCOUNT_NOT_FOUND or CURRENCY_MISMATCH), which customers may send.
 */
export const createTransferRequests =
  (commands: CommandPipeline, openingOf: OpeningOf) =>
  async (request: TransferRequest, identity: RequestIdentity): Promise<TransferReceipt> => {
    const fromAccountId = requireId(request.fromAccountId, 'fromAccountId');
    const toAccountId = requireId(request.toAccountId, 'toAccountId');
    const [source, target] = await Promise.all([
      openingOf(fromAccountId, 'fromAccountId'),
      openingOf(toAccountId, 'toAccountId'),
    ]);
    if (source === undefined) {
      throw new DomainError('ACCOUNT_NOT_FOUND', `account ${fromAccountId} does not exist`);
    }
    if (target !== undefined && target.currency !== source.currency) {
      throw new DomainError(
        'CURRENCY_MISMATCH',
        `account ${fromAccountId} holds ${source.currency} and account ${toAccountId} ${target.currency}: a transfer moves one currency`,
      );
    }
    const transferId = newTransferId(request.commandId);
    const { amount, commandId } = request;
    const data = { transferId, fromAccountId, toAccountId, amount, currency: source.currency };
    const receipt = await commands.handle(transferAggregate, { type: 'RequestTransfer', data, commandId }, identity);
    return { receipt, transferId };
  };
