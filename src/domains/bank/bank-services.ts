import {
  type CommandReceipt,
  type DomainDependencies,
  type IssuedCommand,
  type RequestIdentity,
  readEventEnvelopes,
} from '../../core/index.js';
import { accountStreamName } from './account.js';
import { accountAggregate } from './account-aggregate.js';
import { type BankFeeds, createBankFeeds } from './bank-feeds.js';
import { type BankQueries, createBankQueries } from './bank-queries.js';
import type { BankCommand } from './commands.js';
import { bankEventDecoders } from './event-decoders.js';
import type { RecordedBankEvent } from './events.js';

/** What the bank's resolvers can ask of the bank: commands, the log, read models and live feeds. */
export interface BankServices extends BankQueries, BankFeeds {
  /**
   * Runs a command through the pipeline for whoever `request` names: stamped and checked by its
   * middleware, decided on the account's stream, appended once.
   */
  handle(command: IssuedCommand<BankCommand>, request: RequestIdentity): Promise<CommandReceipt>;
  /**
   * The account's stream, decoded as the decider folds it (current shapes; events newer code
   * wrote are skipped): the audit trail and the source of temporal queries.
   */
  accountEvents(accountId: string): Promise<RecordedBankEvent[]>;
}

export const createBankServices = ({ commands, eventStore, readModels }: DomainDependencies): BankServices => ({
  handle: (command, request) => commands.handle(accountAggregate, command, request),
  accountEvents: async (accountId) =>
    bankEventDecoders.decodeAll(await readEventEnvelopes(eventStore, accountStreamName(accountId))),
  ...createBankQueries(readModels),
  ...createBankFeeds(readModels),
});
