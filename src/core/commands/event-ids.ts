import { v5 as uuidV5 } from 'uuid';

/** esgraph's UUIDv5 namespace for ids derived from command ids. Never change it: stored ids depend on it. */
const COMMAND_EVENT_NAMESPACE = '5b0e2c8a-3f7d-4c1e-9a26-7d4f1e8b2c90';

/**
 * The id of the `index`-th event a command appends. Deterministic, so a retried command
 * proposes the very same ids, and EventStoreDB (or the pipeline, reading them back) recognises
 * the retry instead of writing the events twice.
 */
export const commandEventId = (commandId: string, index: number): string =>
  uuidV5(`${commandId}/${index}`, COMMAND_EVENT_NAMESPACE);

/** A stable id derived from a command id for something the command creates (a new account's id). */
export const derivedId = (commandId: string, purpose: string): string =>
  uuidV5(`${commandId}#${purpose}`, COMMAND_EVENT_NAMESPACE);
