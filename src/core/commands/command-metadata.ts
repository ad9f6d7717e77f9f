import { randomUUID } from 'node:crypto';
import type { CommandMetadata } from '../decider.js';
import { ValidationError } from '../errors.js';

/** Who is asking, as the edge (a GraphQL request) knows it. */
export interface RequestIdentity {
  readonly requestId: string;
  /** The authenticated user, once auth exists. */
  readonly userId?: string;
}

/** Printable, at most 128 characters: a client's idempotency key, not a document. */
const COMMAND_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The metadata a command carries: the client's command id (its idempotency key) or a fresh
 * one, the request as correlation, the command itself as causation, and the time it arrived.
 * @throws ValidationError for a command id that is empty, too long or not printable ASCII.
 */
export const commandMetadata = (
  request: RequestIdentity,
  clientCommandId: string | null | undefined,
  now: Date = new Date(),
): CommandMetadata => {
  if (clientCommandId !== null && clientCommandId !== undefined && !COMMAND_ID.test(clientCommandId)) {
    throw new ValidationError('commandId must be 1-128 printable ASCII characters without spaces', 'commandId');
  }
  const fromClient = clientCommandId !== null && clientCommandId !== undefined;
  const commandId = fromClient ? clientCommandId : randomUUID();
  return {
    commandId,
    commandIdFromClient: fromClient,
    correlationId: request.requestId,
    causationId: commandId,
    ...(request.userId === undefined ? {} : { userId: request.userId }),
    now: now.toISOString(),
  };
};
