import type { RawData, WebSocket } from 'ws';
import { OperationAbort } from './operation-abort.js';

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
export class ConnectionOperations {
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
