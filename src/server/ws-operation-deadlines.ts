import { randomUUID } from 'node:crypto';
import { type ExecutionArgs, type ExecutionResult, execute, GraphQLError, subscribe } from 'graphql';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../core/logger.js';
import { OperationAbort, untilAborted } from './operation-abort.js';

/** A graphql-ws `complete` is a few dozen bytes; a longer message is not one and is not parsed a second time. */
const longestComplete = 256;

/** The operation id a graphql-ws `complete` message names, or undefined for any other message. */
const completedId = (data: RawData): string | undefined => {
  if (!Buffer.isBuffer(data) || data.length > longestComplete) return undefined;
  try {
    const message = JSON.parse(data.toString()) as { type?: unknown; id?: unknown };
    return message.type === 'complete' && typeof message.id === 'string' ? message.id : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The aborts of one WebSocket connection's running operations, by operation id. Each is
 * cancelled when its client is done with it: the client sends `complete` (for a query still
 * executing too, which graphql-ws itself lets run to its end and then drops), the operation
 * completes (a subscription the client or the server ended), or the socket closes.
 */
class ConnectionOperations {
  readonly #running = new Map<string, OperationAbort>();

  constructor(socket: WebSocket) {
    socket.once('close', () => {
      for (const abort of this.#running.values()) abort.cancel();
      this.#running.clear();
    });
    socket.on('message', (data) => {
      if (this.#running.size === 0) return;
      const id = completedId(data);
      if (id !== undefined) this.end(id);
    });
  }

  /** The abort of a new operation, its deadline running from now. */
  start(id: string, timeoutMs: number): OperationAbort {
    const abort = new OperationAbort(timeoutMs);
    this.#running.get(id)?.cancel();
    this.#running.set(id, abort);
    return abort;
  }

  /** The operation is over for its client: stop whatever still reads for it. */
  end(id: string): void {
    this.#running.get(id)?.cancel();
    this.#running.delete(id);
  }
}

/** An operation's running abort, found from its context value by execute and subscribe. */
interface RunningOperation {
  readonly abort: OperationAbort;
  readonly requestId: string;
}

/** The answer of an operation stopped by its deadline: an error carrying the abort's code. */
const abortedResult = (reason: Error): ExecutionResult => ({
  errors: [new GraphQLError(reason.message, { originalError: reason })],
});

const isAsyncIterable = (value: unknown): value is AsyncIterableIterator<unknown> =>
  typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';

/** graphql-ws's per-connection context, as far as these hooks need it. */
interface ConnectionContext {
  readonly extra: { readonly socket: WebSocket };
}

/** The graphql-ws server options that give each operation its abort signal and its deadline. */
export interface WebSocketOperationHooks<Context> {
  readonly context: (ctx: ConnectionContext, id: string) => Context;
  readonly execute: (args: ExecutionArgs) => Promise<ExecutionResult>;
  readonly subscribe: (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
  readonly onComplete: (ctx: ConnectionContext, id: string) => void;
}

/**
 * Runs each WebSocket operation's execution (a query or mutation) or its start (a subscription's
 * source stream: listening, reading the current state) within its deadline, with its signal in
 * the context `contextFor` builds. What a subscription sends after its start has no deadline: it
 * lives as long as its client wants it, and each event it sends is mapped from the message that
 * announced it, with no read of its own.
 */
export const webSocketOperationHooks = <Context extends object>(
  timeoutMs: number,
  log: Logger,
  contextFor: (ctx: ConnectionContext, id: string, requestId: string, signal: AbortSignal) => Context,
  /** The request id the operation was given when it arrived (the request log's); else a fresh one. */
  requestIdOf?: (ctx: ConnectionContext, id: string) => string | undefined,
): WebSocketOperationHooks<Context> => {
  const connections = new WeakMap<ConnectionContext, ConnectionOperations>();
  const operationsOf = (ctx: ConnectionContext): ConnectionOperations => {
    let operations = connections.get(ctx);
    if (operations === undefined) {
      operations = new ConnectionOperations(ctx.extra.socket);
      connections.set(ctx, operations);
    }
    return operations;
  };
  // Keyed by each operation's context value, which graphql-ws hands to execute and subscribe.
  const running = new WeakMap<object, RunningOperation>();
  const withinDeadline = async <T>(args: ExecutionArgs, work: () => T | Promise<T>) => {
    const operation = running.get(args.contextValue as object);
    if (operation === undefined) return { done: true, result: await work() } as const;
    const { abort, requestId } = operation;
    return untilAborted(abort, Promise.resolve(work()), log, requestId).finally(() => abort.finish());
  };
  return {
    context: (ctx, id) => {
      const requestId = requestIdOf?.(ctx, id) ?? randomUUID();
      const abort = operationsOf(ctx).start(id, timeoutMs);
      const value = contextFor(ctx, id, requestId, abort.signal);
      running.set(value, { abort, requestId });
      return value;
    },
    execute: async (args) => {
      const outcome = await withinDeadline(args, () => execute(args));
      return outcome.done ? outcome.result : abortedResult(outcome.reason);
    },
    subscribe: async (args) => {
      const subscribing = Promise.resolve(subscribe(args));
      const outcome = await withinDeadline(args, () => subscribing);
      if (outcome.done) return outcome.result;
      // A source stream that arrives after the deadline is closed at once: nobody will read it.
      subscribing.then(
        (result) => (isAsyncIterable(result) ? result.return?.() : undefined),
        () => {},
      );
      return abortedResult(outcome.reason);
    },
    onComplete: (ctx, id) => operationsOf(ctx).end(id),
  };
};
