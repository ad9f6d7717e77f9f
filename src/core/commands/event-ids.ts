import { uuidV5In } from './uuid-v5.js';

/** Ids derived from command ids are UUIDv5s in esgraph's namespace. Never change it: stored ids depend on it. */
const commandEventIdOf = uuidV5In('5b0e2c8a-3f7d-4c1e-9a26-7d4f1e8b2c90');

/**
 * The id of the `index`-th event a command appends, from the command's digest (which covers its
 * id, type and data). Deterministic, so a retried command proposes the very same ids and
 * EventStoreDB's idempotency recognises it instead of writing the events twice; and only the
 * same command collides there: another command under the same id proposes other ids, loses with
 * a wrong expected version, and is then told apart by the digest in the stored metadata. The
 * first event's id is the digest itself, so a one-event command costs a single hash.
 */
export const commandEventId = (digest: string, index: number): string =>
  index === 0 ? digest : commandEventIdOf(`${digest}/${index}`);

/** A stable id derived from a command id for something the command creates (a new account's id). */
export const derivedId = (commandId: string, purpose: string): string => commandEventIdOf(`${commandId}#${purpose}`);
