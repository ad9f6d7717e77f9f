/**
 * The errors esgraph's layers throw on purpose. The GraphQL edge maps each to an
 * `extensions.code` in one table; anything else is an internal error whose message is masked.
 */

/** A business rule said no (`INSUFFICIENT_FUNDS`, `ACCOUNT_CLOSED`, …). Nothing was written. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The input is malformed (a bad amount, a bad currency). Maps to `BAD_USER_INPUT`. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Something asked for does not exist. Its code names what (`ACCOUNT_NOT_FOUND`, say), first as
 * in `DomainError`, so every code a client can get is written where it is thrown and listed in
 * the README's error table.
 */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Optimistic concurrency lost every retry: others kept writing the same stream first. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly streamName: string,
    message = `stream ${streamName} kept changing while the command was decided; try again`,
  ) {
    super(message);
  }
}

/** A read waited for a projection to reach a position and gave up. */
export class ConsistencyTimeoutError extends Error {
  override readonly name = 'ConsistencyTimeoutError';
}

/**
 * A read model holds a value its reader cannot read (not what its projection writes, or more
 * than the field's type can carry). Reported on that field alone, so the rest of a query answers;
 * rebuilding the projection repairs it.
 */
export class UnreadableReadModelError extends Error {
  override readonly name = 'UnreadableReadModelError';
}

/**
 * A command came with the id of an earlier, different command (another type or other data) on
 * the same stream. Nothing was written; a retry must send the very same command, a new command
 * a new id.
 */
export class CommandIdReusedError extends Error {
  override readonly name = 'CommandIdReusedError';
  constructor(
    readonly commandId: string,
    message = `command id ${commandId} was already used for a different command`,
  ) {
    super(message);
  }
}

/**
 * A dependency the operation needs (Redis) cannot be reached right now. Nothing is wrong with
 * the request: send it again once the dependency is back (`/readyz` says when). Maps to
 * `SERVICE_UNAVAILABLE`.
 */
export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailableError';
}

/**
 * The caller may not run this operation, or not on this thing. Says nothing about whether the
 * thing exists: an account of another owner and an account nobody opened are refused alike.
 * Nothing was written. Maps to `FORBIDDEN`.
 */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
  constructor(anonymous: boolean) {
    super(anonymous ? 'sign in: this operation needs a bearer token' : 'not allowed for this user');
  }
}

/** Why an operation was stopped before its end. */
export type OperationAbortCode = 'OPERATION_TIMEOUT' | 'OPERATION_CANCELLED';

/**
 * An operation was stopped before its end: its deadline passed (`OPERATION_TIMEOUT`), or its
 * client went away (`OPERATION_CANCELLED`, which nobody is left to receive). The reason of an
 * operation's `AbortSignal`: log reads stop with it, and a command that has not yet joined its
 * stream's queue is refused with it (one that has runs to its end, see the command pipeline).
 */
export class OperationAbortedError extends Error {
  override readonly name = 'OperationAbortedError';
  constructor(
    readonly code: OperationAbortCode,
    message: string,
  ) {
    super(message);
  }
}
