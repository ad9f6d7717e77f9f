import { randomUUID } from 'node:crypto';
import type { CommandPipeline } from '../../src/core/commands/command-pipeline.js';
import { CommandIdReusedError, DomainError } from '../../src/core/errors.js';
import type { EventStoreClient } from '../../src/core/eventstore/client.js';
import { accountAggregate } from '../../src/domains/bank/account-aggregate.js';
import type { BankCommand } from '../../src/domains/bank/commands.js';
import { type Amount, closeAccount, deposit, openAccount, withdraw } from './bank.js';

/*
 * Bank commands sent straight through a CommandPipeline, as the GraphQL resolvers would send
 * them: each with a fresh command id (or the client's) and the time it is sent.
 */

/** A command id the client chose, so the pipeline recognises a command sent again under it. */
export interface SendOptions {
  readonly commandId?: string;
}

const stamped = <C extends BankCommand>(command: C, { commandId }: SendOptions): C => {
  const id = commandId ?? randomUUID();
  return {
    ...command,
    metadata: {
      ...command.metadata,
      commandId: id,
      commandIdFromClient: commandId !== undefined,
      causationId: id,
      now: new Date().toISOString(),
    },
  };
};

/** What one pipeline (one command instance) can be asked to do with one account. */
export const bankOn = (pipeline: CommandPipeline, accountId: string) => {
  const send = (command: BankCommand, options: SendOptions) =>
    pipeline.handle(accountAggregate, stamped(command, options));
  return {
    open: (options: SendOptions = {}) => send(openAccount({ accountId }), options),
    deposit: (amount: Amount, options: SendOptions = {}) => send(deposit(amount, { accountId }), options),
    withdraw: (amount: Amount, options: SendOptions = {}) => send(withdraw(amount, { accountId }), options),
    close: (options: SendOptions = {}) => send(closeAccount({ accountId }), options),
  };
};

/** 'ok', or the code a command was refused with (domain codes and COMMAND_ID_REUSED); rethrows anything else. */
export const outcomeOf = async (sent: Promise<unknown>): Promise<string> => {
  try {
    await sent;
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    if (error instanceof CommandIdReusedError) return 'COMMAND_ID_REUSED';
    throw error;
  }
};

/** A real client whose stream reads are counted: the pipeline's reads of the event store, observed. */
export const countingReads = (client: EventStoreClient): { readonly client: EventStoreClient; reads(): number } => {
  let reads = 0;
  const counted = new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'readStream' || property === 'readAll') {
        return (...args: unknown[]) => {
          reads++;
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  return { client: counted, reads: () => reads };
};
