import type { WebSocket, WebSocketServer } from 'ws';

export interface StalledSocketOptions {
  /** How long a socket may hold unsent data without any of it leaving before it is cut off. */
  readonly stallMs: number;
  /** How often every socket is looked at. */
  readonly checkEveryMs?: number;
  /** Told before a stalled socket is terminated (for a log line). */
  readonly onStalled?: (bufferedBytes: number) => void;
}

/**
 * Cuts off WebSocket clients that stopped reading. graphql-ws waits for each message to be
 * written before it pulls the next from a subscription, so a client that reads nothing makes
 * every one of its subscriptions pile up change messages in the process until each overflows;
 * with many subscriptions on one connection that is a lot of memory for one idle peer. A socket
 * whose unsent bytes neither drain to zero nor shrink for `stallMs` is terminated: no close frame
 * could get past the data it is not reading anyway, and a graphql-ws client reconnects and
 * resumes with `since`. A slow reader that makes any progress is left alone.
 * @returns Stops watching.
 */
export const cutOffStalledSockets = (wss: WebSocketServer, options: StalledSocketOptions): (() => void) => {
  const stalls = new WeakMap<WebSocket, { since: number; buffered: number }>();
  const check = (): void => {
    const now = Date.now();
    for (const socket of wss.clients) {
      const buffered = socket.bufferedAmount;
      const stall = stalls.get(socket);
      if (buffered === 0 || (stall !== undefined && buffered < stall.buffered)) {
        stalls.delete(socket);
      } else if (stall === undefined) {
        stalls.set(socket, { since: now, buffered });
      } else if (now - stall.since >= options.stallMs) {
        stalls.delete(socket);
        options.onStalled?.(buffered);
        socket.terminate();
      }
    }
  };
  const timer = setInterval(check, options.checkEveryMs ?? Math.max(50, Math.floor(options.stallMs / 10)));
  timer.unref();
  return () => clearInterval(timer);
};
