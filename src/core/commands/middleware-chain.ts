import type { CommandMetadata, DomainCommand } from '../decider.js';
import type { Aggregate } from './aggregate.js';
import type { CommandReceipt } from './batch-outcomes.js';
import type {
  BatchRun,
  CommandInvocation,
  CommandMiddleware,
  IssuedCommand,
  MetadataAdditions,
  RequestIdentity,
  SettledCommand,
} from './command-middleware.js';

// biome-ignore lint/suspicious/noExplicitAny: a stream's queue holds commands of its aggregate, whatever its types.
type AnyAggregate = Aggregate<any, any, any>;

/**
 * One command in the pipeline, from `handle` until it is settled. It is at once what middleware
 * see and the command the decider gets (once stamped), so the seam adds no object per command.
 */
export class PendingCommand implements CommandInvocation, DomainCommand {
  readonly type: string;
  readonly data: object;
  readonly commandId: string | null | undefined;
  /** Set by the middleware; the pipeline lets no command without it into a stream's queue. */
  metadata: CommandMetadata;
  /** How many entries' `before` have completed: their `after`s run when it settles. */
  entered: number;

  constructor(
    readonly aggregate: AnyAggregate,
    command: IssuedCommand,
    readonly request: RequestIdentity,
    readonly resolve: (receipt: CommandReceipt) => void,
    readonly reject: (error: unknown) => void,
    readonly receivedAt: number,
  ) {
    this.type = command.type;
    this.data = command.data;
    this.commandId = command.commandId;
    this.metadata = undefined as unknown as CommandMetadata;
    this.entered = 0;
  }
}

const isPromiseLike = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof (value as { then?: unknown } | undefined)?.then === 'function';

/**
 * Runs a pipeline's middleware around its commands: `before`s in list order up to the stream's
 * queue, `after`s in reverse order for the entries entered, as each command settles. With no
 * `after` registered (`observed` false) settling is a plain resolve or reject.
 */
export class MiddlewareChain {
  /** Whether any entry has an `after`, so the pipeline records timings and outcomes for it. */
  readonly observed: boolean;

  constructor(
    private readonly middleware: readonly CommandMiddleware[],
    private readonly onAfterError: (error: unknown, middleware: string) => void,
  ) {
    this.observed = middleware.some((entry) => entry.after !== undefined);
  }

  /** Runs every `before` from `from` on, then hands the command to `join`; or refuses it. */
  enter(pending: PendingCommand, join: (pending: PendingCommand) => void, from = 0): void {
    const { middleware } = this;
    for (let index = from; index < middleware.length; index++) {
      const entry = middleware[index]!;
      if (entry.before !== undefined) {
        try {
          const added = entry.before(pending);
          if (isPromiseLike(added)) {
            added.then(
              (value) => {
                if (this.#added(pending, entry, value)) this.enter(pending, join, index + 1);
              },
              (error: unknown) => this.reject(pending, error),
            );
            return;
          }
          this.#merge(pending, entry, added);
        } catch (error) {
          this.reject(pending, error);
          return;
        }
      }
      pending.entered = index + 1;
    }
    join(pending);
  }

  /** Answers the command with its receipt, after its entered `after`s. */
  resolve(pending: PendingCommand, receipt: CommandReceipt, batch?: BatchRun): void {
    if (this.observed && pending.entered > 0)
      this.#after(pending, { ok: true, receipt, settledAt: performance.now(), batch });
    pending.resolve(receipt);
  }

  /** Refuses the command with `error`, after its entered `after`s. */
  reject(pending: PendingCommand, error: unknown, batch?: BatchRun): void {
    if (this.observed && pending.entered > 0)
      this.#after(pending, { ok: false, error, settledAt: performance.now(), batch });
    pending.reject(error);
  }

  /** The entered entries' `after`s, newest first (onion order). */
  #after(pending: PendingCommand, settled: SettledCommand): void {
    for (let index = pending.entered - 1; index >= 0; index--) {
      const entry = this.middleware[index]!;
      try {
        entry.after?.(pending, settled);
      } catch (error) {
        this.onAfterError(error, entry.name);
      }
    }
  }

  /** `#merge` after an async `before`, refusing the command if it cannot; whether it could. */
  #added(pending: PendingCommand, entry: CommandMiddleware, added: MetadataAdditions | undefined): boolean {
    try {
      this.#merge(pending, entry, added);
      pending.entered++;
      return true;
    } catch (error) {
      this.reject(pending, error);
      return false;
    }
  }

  #merge(pending: PendingCommand, entry: CommandMiddleware, added: MetadataAdditions | undefined): void {
    if (added === undefined) return;
    const metadata = pending.metadata as MetadataAdditions | undefined;
    if (metadata === undefined) {
      // The usual case, stamping alone: its object is the metadata, with no copy.
      pending.metadata = added as CommandMetadata;
      return;
    }
    // A copy of the addition with the earlier fields set on it, not a spread of both: the earlier
    // ones are few (the trace context), and spreading two objects into a third costs a deposit
    // several microseconds.
    const merged: Record<string, unknown> = { ...added };
    for (const field in metadata) {
      if (field in added) throw new Error(`command middleware ${entry.name} may not replace metadata field ${field}`);
      merged[field] = (metadata as Record<string, unknown>)[field];
    }
    pending.metadata = merged as CommandMetadata;
  }
}
