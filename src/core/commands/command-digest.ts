import { createHash } from 'node:crypto';
import type { DomainCommand } from '../decider.js';

/**
 * JSON with object keys sorted at every level and undefined members left out, so two commands
 * that mean the same thing read the same whatever order their fields were built in.
 */
const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
};

/**
 * What a command asks for, as a short fingerprint: SHA-256 of its type and data in canonical
 * JSON, the first 128 bits in base64url (22 characters). Metadata (`now`, correlation) is left
 * out on purpose: a client retrying the same command sends another request at another time.
 * Recorded with the command's events, so a later command with the same id can be told apart
 * from a retry.
 */
export const commandDigest = (command: Pick<DomainCommand, 'type' | 'data'>): string =>
  createHash('sha256')
    .update(canonicalJson([command.type, command.data]))
    .digest('base64url')
    .slice(0, 22);
