import { OperationAbortedError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/**
 * One GraphQL operation's `AbortSignal`, which the request context carries to whatever reads on
 * the operation's behalf (the log readers stop on it, the command pipeline queues no new command
 * once it has aborted). It aborts when the deadline (`OPERATION_TIMEOUT_MS`) passes before
 * {@link finish}, with `OPERATION_TIMEOUT`, or when {@link cancel} says the client went away, with
 * `OPERATION_CANCELLED`; whichever comes first is the reason.
 */
export class OperationAbort {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #abortedAt = 0;
  /** Settles, with the reason, once the signal has aborted; never rejects. */
  readonly aborted: Promise<OperationAbortedError>;

  constructor(readonly timeoutMs: number) {
    this.aborted = new Promise((resolve) => {
      this.#controller.signal.addEventListener('abort', () => resolve(this.#controller.signal.reason), { once: true });
    });
    this.#timer = setTimeout(
      () => this.#abort('OPERATION_TIMEOUT', `the operation took longer than ${timeoutMs} ms (OPERATION_TIMEOUT_MS)`),
      timeoutMs,
    );
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** When the signal aborted (`performance.now()`), 0 while it has not. */
  get abortedAt(): number {
    return this.#abortedAt;
  }

  /** The client is gone (its socket closed, it completed the operation): stop what reads for it. */
  cancel(): void {
    this.#abort('OPERATION_CANCELLED', 'the client went away before the operation ended');
  }

  /** The operation has answered: its deadline no longer applies. The signal stays as it is. */
  finish(): void {
    clearTimeout(this.#timer);
  }

  #abort(code: OperationAbortedError['code'], message: string): void {
    clearTimeout(this.#timer);
    if (this.#controller.signal.aborted) return;
    this.#abortedAt = performance.now();
    this.#controller.abort(new OperationAbortedError(code, message));
  }
}

/** What {@link untilAborted} gives: the work's own result, or why the operation stopped first. */
export type OperationOutcome<T> =
  | { readonly done: true; readonly result: T }
  | { readonly done: false; readonly reason: OperationAbortedError };

/**
 * Waits for an operation's work, or for its signal to abort, whichever comes first. Work that
 * outlives its abort is not awaited: the caller answers at once (or not at all, to a client that
 * left), and the work, whose log reads stop on the signal, ends on its own. When it does, one
 * log line says so with how long it went on after the abort, so an operator can see that stopped
 * work really stopped (the attack on record went on reading for 82 s after its client hung up).
 */
export const untilAborted = async <T>(
  abort: OperationAbort,
  work: Promise<T>,
  log: Logger,
  requestId: string,
): Promise<OperationOutcome<T>> => {
  const outcome = await Promise.race([
    work.then((result) => ({ done: true, result }) as const),
    abort.aborted.then((reason) => ({ done: false, reason }) as const),
  ]);
  if (!outcome.done) {
    const stopped = () =>
      log.info(
        { requestId, code: outcome.reason.code, stoppedAfterMs: Math.round(performance.now() - abort.abortedAt) },
        'aborted operation stopped',
      );
    work.then(stopped, stopped);
  }
  return outcome;
};
