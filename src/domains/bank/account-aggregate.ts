import type { Aggregate } from '../../core/index.js';
import { type AccountState, accountDecider, commandStreamName } from './account.js';
import type { BankCommand } from './commands.js';
import { bankEventDecoders } from './event-decoders.js';
import type { BankEvent } from './events.js';

/** The bank account as the command pipeline handles it. */
export const accountAggregate: Aggregate<BankCommand, BankEvent, AccountState> = {
  decider: accountDecider,
  streamName: commandStreamName,
  events: bankEventDecoders,
};
