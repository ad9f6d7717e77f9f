import type { DomainCommand } from '../decider.js';
import { uuidV5In } from './uuid-v5.js';

/** Digests are UUIDv5s in this namespace. Never change it: stored digests and event ids depend on it. */
const digestId = uuidV5In('0f6d3b7e-91a4-4c52-8e3d-2b9f6a1c7e05');

/** Every object key at any depth, so JSON.stringify can write them all in one sorted order. */
const keysOf = (value: unknown, keys: Set<string>): Set<string> => {
  if (Array.isArray(value)) {
    for (const item of value) keysOf(item, keys);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, member] of Object.entries(value)) {
      keys.add(key);
      keysOf(member, keys);
    }
  }
  return keys;
};

/**
 * JSON with object keys sorted at every level, so two commands that mean the same thing read the
 * same whatever order their fields were built in. An array replacer makes JSON.stringify (native,
 * fast) write only the keys listed, in the list's order, at every depth; listing every key keeps
 * them all.
 */
const canonicalJson = (value: unknown): string => JSON.stringify(value, [...keysOf(value, new Set())].sort());

/**
 * A fingerprint of the command under its id: a UUIDv5 of the command id and the command's type
 * and data in canonical JSON. Metadata (`now`, correlation) is left out on purpose: a client
 * retrying the same command sends another request at another time. Recorded with the command's
 * events, so a later command with the same id can be told apart from a retry; and the command's
 * event ids derive from it (see `commandEventId`).
 */
export const commandDigest = (command: DomainCommand): string =>
  digestId(`${command.metadata.commandId}\n${canonicalJson([command.type, command.data])}`);
