import { CommandIdReusedError, DomainError } from '../../src/core/errors.js';
import type { EventStoreClient } from '../../src/core/eventstore/client.js';

/* What a test needs to observe commands sent straight through a CommandPipeline, whatever the context. */

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
