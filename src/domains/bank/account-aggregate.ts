import type { Aggregate } from '../../core/index.js';
import { type AccountState, accountDecider, commandStreamName } from './account.js';
import type { BankCommand } from './commands.js';
import { type BankEvent, bankEventSchemaVersion } from './events.js';
import { decodeBankEvent } from './stored-events.js';

/** The bank account as the command pipeline handles it. */
export const accountAggregate: Aggregate<BankCommand, BankEvent, AccountState> = {
  decider: accountDecider,
  streamName: commandStreamName,
  decode: decodeBankEvent,
  schemaVersion: bankEventSchemaVersion,
};
