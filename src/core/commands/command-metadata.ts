import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { CommandMiddleware } from './command-middleware.js';

/** Printable, at most 128 characters: a client's idempotency key, not a document. */
const COMMAND_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The middleware that gives a command the metadata every command carries: the client's command
 * id (its idempotency key) or a fresh one, the request as correlation, the command itself as
 * causation, the user who asked, and the time it arrived. Registered on every pipeline; the
 * pipeline refuses a command no entry stamped. Synchronous and one object per command: what the
 * resolvers did before it became middleware.
 * Refuses a command id that is empty, too long or not printable ASCII (`ValidationError`).
 */
export const stampCommandMetadata: CommandMiddleware = {
  name: 'stamp-command-metadata',
  before: ({ commandId: clientCommandId, request }) => {
    const fromClient = clientCommandId !== null && clientCommandId !== undefined;
    if (fromClient && !COMMAND_ID.test(clientCommandId)) {
      throw new ValidationError('commandId must be 1-128 printable ASCII characters without spaces', 'commandId');
    }
    const commandId = fromClient ? clientCommandId : randomUUID();
    return {
      commandId,
      commandIdFromClient: fromClient,
      correlationId: request.requestId,
      causationId: commandId,
      ...(request.userId === undefined ? {} : { userId: request.userId }),
      now: new Date().toISOString(),
    };
  },
};
