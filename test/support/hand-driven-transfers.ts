import { randomUUID } from 'node:crypto';
import type { Aggregate } from '../../src/core/commands/aggregate.js';
import { commandAccess } from '../../src/core/commands/command-access.js';
import { stampCommandMetadata } from '../../src/core/commands/command-metadata.js';
import type { IssuedCommand, RequestIdentity } from '../../src/core/commands/command-middleware.js';
import { CommandPipeline } from '../../src/core/commands/command-pipeline.js';
import type { DomainCommand } from '../../src/core/decider.js';
import type { EventStoreClient } from '../../src/core/eventstore/client.js';
import { processManagerRole } from '../../src/core/index.js';
import { bankAccessPolicy } from '../../src/domains/bank/access-policy.js';
import { accountAggregate } from '../../src/domains/bank/account-aggregate.js';
import { createAccountOwners } from '../../src/domains/bank/account-owners.js';
import type { BankCommand } from '../../src/domains/bank/commands.js';
import { createTransferParties } from '../../src/domains/bank/transfer-parties.js';
import { transferAggregate } from '../../src/domains/bank/transfers/transfer-aggregate.js';
import type { TransferCommand } from '../../src/domains/bank/transfers/transfer-commands.js';

/*
 * A transfer's steps sent by hand through a real command pipeline on a server's event store, with
 * the bank's access policy as its middleware, as the process manager sends them: what tests use
 * until a process manager drives transfers, and to hold a transfer at a chosen step.
 */

export const processManagerIdentity: RequestIdentity = {
  requestId: 'pm',
  userId: 'process-manager:transfers',
  roles: [processManagerRole],
};

export interface TransferTerms {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  /** Minor units. */
  readonly amount: number;
  readonly currency: string;
}

export const handDrivenTransfers = (eventStore: EventStoreClient) => {
  const { commands } = bankAccessPolicy({
    accountOwner: createAccountOwners(eventStore),
    transferParties: createTransferParties(eventStore),
  });
  const rules = commandAccess((type) => (Object.hasOwn(commands, type) ? commands[type] : undefined));
  const pipeline = new CommandPipeline(eventStore, { middleware: [stampCommandMetadata, rules] });

  const send = <Command extends DomainCommand>(
    aggregate: Aggregate<Command, never, unknown>,
    command: IssuedCommand<Command>,
    as: RequestIdentity,
  ) => pipeline.handle(aggregate as never, { ...command, commandId: command.commandId ?? randomUUID() }, as);

  const onAccount = (command: IssuedCommand<BankCommand>, as = processManagerIdentity) =>
    send(accountAggregate as never, command, as);
  const onTransfer = (command: IssuedCommand<TransferCommand>, as = processManagerIdentity) =>
    send(transferAggregate as never, command, as);

  return {
    onAccount,
    onTransfer,
    /** Debits the source and records it: the transfer is PENDING with the money in transit. */
    async debit({ transferId, fromAccountId: accountId, amount }: TransferTerms) {
      await onAccount({ type: 'DebitForTransfer', data: { accountId, transferId, amount } });
      return onTransfer({ type: 'RecordDebit', data: { transferId } });
    },
    /** Credits the target and records it: the transfer is COMPLETED. */
    async credit({ transferId, toAccountId: accountId, amount, currency }: TransferTerms) {
      await onAccount({ type: 'CreditForTransfer', data: { accountId, transferId, amount, currency } });
      return onTransfer({ type: 'RecordCredit', data: { transferId } });
    },
    /** Records the credit refused for `reason`, refunds the source and records it: FAILED. */
    async refund({ transferId, fromAccountId: accountId, amount }: TransferTerms, reason: string) {
      await onTransfer({ type: 'RecordCreditRefused', data: { transferId, reason } });
      await onAccount({ type: 'RefundTransfer', data: { accountId, transferId, amount } });
      return onTransfer({ type: 'RecordRefund', data: { transferId } });
    },
    /** Records the debit refused for `reason`: FAILED, nothing moved. */
    fail: ({ transferId }: TransferTerms, reason: string) =>
      onTransfer({ type: 'FailTransfer', data: { transferId, reason } }),
  };
};
