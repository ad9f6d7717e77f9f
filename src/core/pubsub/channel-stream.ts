import type { StopListening, SubscriberHub } from './subscriber-hub.js';

/**
 * A listener fell `bufferSize` messages behind and was cut off. Ending loudly rather than dropping
 * messages silently: the consumer knows it missed something and can re-read the read model and
 * subscribe again, while one slow consumer never costs the process unbounded memory.
 */
export class ChannelOverflowError extends Error {
  override readonly name = 'ChannelOverflowError';
}

export interface ChannelStreamOptions {
  /** Messages held for a consumer that has not asked for them yet; one more ends the stream. */
  readonly bufferSize?: number;
}

type Pull = { resolve: (result: IteratorResult<string>) => void; reject: (error: unknown) => void };

/**
 * Subscribes to `channel` through the shared hub and yields its messages in order, for `for await`.
 * Resolves once the subscription is live. Leaving the loop (`return()`) removes the listener, and
 * the hub unsubscribes the channel when no listener is left.
 */
export const streamChannel = async (
  hub: SubscriberHub,
  channel: string,
  { bufferSize = 1_000 }: ChannelStreamOptions = {},
): Promise<AsyncIterableIterator<string>> => {
  const stream = new ChannelStream(channel, bufferSize);
  stream.attach(
    await hub.listen(channel, {
      message: (text) => stream.push(text),
      closed: () => stream.end(undefined),
      // Buffered messages still come first; then the consumer hears SERVICE_UNAVAILABLE.
      failed: (error) => stream.end(error),
    }),
  );
  return stream;
};

class ChannelStream implements AsyncIterableIterator<string> {
  readonly #buffer: string[] = [];
  readonly #pulls: Pull[] = [];
  #stopListening: StopListening | undefined;
  #ended = false;
  #error: Error | undefined;

  constructor(
    readonly channel: string,
    readonly bufferSize: number,
  ) {}

  attach(stop: StopListening): void {
    // The consumer may have called return() while the subscription was being confirmed.
    if (this.#ended) stop().catch(() => undefined);
    else this.#stopListening = stop;
  }

  push(text: string): void {
    if (this.#ended) return;
    const pull = this.#pulls.shift();
    if (pull !== undefined) pull.resolve({ value: text, done: false });
    else if (this.#buffer.length < this.bufferSize) this.#buffer.push(text);
    else this.end(new ChannelOverflowError(`a listener of ${this.channel} fell ${this.bufferSize} messages behind`));
  }

  /** Stops listening. Buffered messages are still delivered; then the error, if any, or the end. */
  end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    // Failing to unsubscribe (connection down) leaves a channel nobody listens to: harmless.
    this.#stopListening?.().catch(() => undefined);
    // Pulls wait only on an empty buffer: the first hears the error, if any, the others the end.
    for (const pull of this.#pulls.splice(0)) this.next().then(pull.resolve, pull.reject);
  }

  next(): Promise<IteratorResult<string>> {
    const text = this.#buffer.shift();
    if (text !== undefined) return Promise.resolve({ value: text, done: false });
    if (this.#error !== undefined) {
      const error = this.#error;
      this.#error = undefined;
      return Promise.reject(error);
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#pulls.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<string>> {
    this.#buffer.length = 0;
    this.end(undefined);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<string> {
    return this;
  }
}
