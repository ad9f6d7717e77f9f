import type { Context } from '@opentelemetry/api';
import type { CommandMetadata, DomainCommand } from '../decider.js';
import type { CommandReceipt } from './batch-outcomes.js';

/*
 * The seam around each command: an ordered list of middleware the pipeline runs before the
 * command joins its stream's queue, and after it is settled. Metadata stamping is one entry;
 * authorization, metrics and tracing are further ones. docs/ARCHITECTURE.md, "Command
 * middleware", has the contract in full.
 */

/** Who is asking, as the edge (a GraphQL request) knows it. */
export interface RequestIdentity {
  readonly requestId: string;
  /** The authenticated user; undefined for a request without a token. */
  readonly userId?: string;
  /** The user's roles, which the access policy's command rules are written against. */
  readonly roles?: readonly string[];
  /**
   * Aborted when the request's deadline passes or its client goes away. A command whose signal
   * has aborted before it joins its stream's queue is refused with the signal's reason (nothing is
   * written); once queued it runs to its end, since its append may already be under way.
   */
  readonly signal?: AbortSignal;
  /**
   * The trace context the command's span is a child of: the GraphQL operation's span, set by the
   * tracing plugin. With tracing off, nothing reads it.
   */
  readonly traceContext?: Context | undefined;
  /**
   * The metadata of the event that caused the command, for a process manager's step: its
   * `traceparent` is the parent of the command's span when there is no `traceContext`.
   */
  readonly causedBy?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A command as a context issues it: type and data, and the client's command id when it chose
 * one. The middleware stamp its metadata (`stampCommandMetadata` gives the ids and the time).
 */
export type IssuedCommand<Command extends DomainCommand = DomainCommand> = Command extends DomainCommand
  ? { readonly type: Command['type']; readonly data: Command['data']; readonly commandId?: string | null }
  : never;

/** One command on its way through the pipeline, as every middleware sees it. */
export interface CommandInvocation {
  readonly type: string;
  /** The command's data. Read it, never change it: the decider and the command's digest see what is here. */
  readonly data: object;
  /** The client's idempotency key, when it chose one. */
  readonly commandId: string | null | undefined;
  readonly request: RequestIdentity;
  /**
   * The metadata so far: in `before`, what the entries before this one gave (undefined while
   * none has); in `after`, the command's metadata as far as it got.
   */
  readonly metadata: Readonly<Partial<CommandMetadata>> | undefined;
  /** When the pipeline received it, on `performance.now()`'s clock; 0 when no entry has an `after`. */
  readonly receivedAt: number;
}

/**
 * Fields a `before` adds to the command's metadata: JSON-safe values. Any field but `now` and
 * `commandIdFromClient` is stored in each of the command's events' metadata too. A field an
 * earlier entry set cannot be replaced (the command is refused with an error naming it).
 */
export type MetadataAdditions = Readonly<Partial<CommandMetadata>>;

/** How the stream batch a command was decided in went, for metrics and tracing. */
export interface BatchRun {
  /** Commands decided together in it, this one included. */
  readonly size: number;
  /** Decide-and-append attempts it made: 1, plus one per race lost to another writer. */
  readonly attempts: number;
  /** When it left the stream's queue (`performance.now()`); load and decide run from here. */
  readonly startedAt: number;
  /** When its last append began; undefined when it appended nothing. */
  readonly appendStartedAt: number | undefined;
}

/** A command's outcome as `after` sees it. */
export type SettledCommand = (
  | { readonly ok: true; readonly receipt: CommandReceipt }
  | { readonly ok: false; readonly error: unknown }
) & {
  /** When it was settled (`performance.now()`). */
  readonly settledAt: number;
  /** Its stream batch; undefined when it never reached one (a `before` refused it, or its stream name was bad). */
  readonly batch: BatchRun | undefined;
};

/**
 * One entry of the pipeline's middleware list. `before`s run in list order before the command
 * joins its stream's queue; `after`s run in reverse order once it is settled, only for the
 * entries whose `before` completed (onion-style). Neither runs inside a stream's batch window
 * except `after`, synchronously, which is why it may not wait on I/O.
 */
export interface CommandMiddleware {
  /** Names the entry in errors and diagnostics. */
  readonly name: string;
  /**
   * May refuse the command by throwing (or rejecting with) an error, a `DomainError` for a rule:
   * its caller gets that error, nothing is appended, no other command is affected. May return
   * metadata to add. May be async: its I/O (reading a read model, say) happens here, outside any
   * stream's batch window. A synchronous one keeps the order commands were sent in; an async one
   * lets later commands overtake it.
   */
  readonly before?: (
    command: CommandInvocation,
  ) => MetadataAdditions | undefined | PromiseLike<MetadataAdditions | undefined>;
  /**
   * Sees the command's outcome; cannot change it. Runs synchronously while the command's batch
   * settles, so it counts and records, and hands anything slow (export, I/O) to work of its own.
   * A throw is reported (`onMiddlewareError`) and changes nothing.
   */
  readonly after?: (command: CommandInvocation, settled: SettledCommand) => void;
}
