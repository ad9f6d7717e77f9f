import {
  type CommandReceipt,
  type DomainDependencies,
  type IssuedCommand,
  type RequestIdentity,
  readStoredEvents,
  type StoredEvent,
} from '../../core/index.js';
import { accountStreamName } from './account.js';
import { accountAggregate } from './account-aggregate.js';
import { type BankFeeds, createBankFeeds } from './bank-feeds.js';
import { type BankQueries, createBankQueries } from './bank-queries.js';
import type { BankCommand } from './commands.js';

/** What the bank's resolvers can ask of the bank: commands, the log, read models and live feeds. */
export interface BankServices extends BankQueries, BankFeeds {
  /**
   * Runs a command through the pipeline for whoever `request` names: stamped and checked by its
   * middleware, decided on the account's stream, appended once.
   */
  handle(command: IssuedCommand<BankCommand>, request: RequestIdentity): Promise<CommandReceipt>;
  /** The account's stream as stored: the audit trail and the source of temporal queries. */
  accountEvents(accountId: string): Promise<StoredEvent[]>;
}

export const createBankServices = ({ commands, eventStore, readModels }: DomainDependencies): BankServices => ({
  handle: (command, request) => commands.handle(accountAggregate, command, request),
  accountEvents: (accountId) => readStoredEvents(eventStore, accountStreamName(accountId)),
  ...createBankQueries(readModels),
  ...createBankFeeds(readModels),
});
