import { v5 as uuidV5 } from 'uuid';

/** esgraph's UUIDv5 namespace for ids derived from command ids. Never change it: stored ids depend on it. */
const COMMAND_EVENT_NAMESPACE = '5b0e2c8a-3f7d-4c1e-9a26-7d4f1e8b2c90';
/**
 * The namespace of event ids derived from a command id and its digest. A namespace of its own, so
 * these ids can never equal the older ones derived from the command id alone.
 */
const COMMAND_DIGEST_EVENT_NAMESPACE = '0f6d3b7e-91a4-4c52-8e3d-2b9f6a1c7e05';

/**
 * The id of the `index`-th event a command appends, from its command id and digest.
 * Deterministic, so a retried command proposes the very same ids and EventStoreDB's idempotency
 * recognises it instead of writing the events twice. The digest is part of it so that only the
 * same command collides there: another command under the same id proposes other ids, loses
 * with a wrong expected version, and is then told apart by the digest in the stored metadata.
 */
export const commandEventId = (commandId: string, digest: string, index: number): string =>
  uuidV5(`${commandId}/${digest}/${index}`, COMMAND_DIGEST_EVENT_NAMESPACE);

/** A stable id derived from a command id for something the command creates (a new account's id). */
export const derivedId = (commandId: string, purpose: string): string =>
  uuidV5(`${commandId}#${purpose}`, COMMAND_EVENT_NAMESPACE);
