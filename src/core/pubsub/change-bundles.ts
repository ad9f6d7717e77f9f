import { ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import type { Tracing } from '../tracing/tracing.js';
import { type ChannelStreamOptions, streamChannel } from './channel-stream.js';
import { changeChannel } from './channels.js';
import type { SubscriberHub } from './subscriber-hub.js';

/*
 * A projection batch announces its changes per topic in one PUBLISH: the topic's messages, in
 * order, as a JSON array of strings. Catching up, a batch of thousands of events on a few
 * hundred entities then costs a few hundred publishes, not thousands; live, a batch of one
 * event is one publish as before. Readers get the messages one by one again.
 *
 * With tracing on, a message whose event carried a trace context goes as a pair, `[message,
 * traceparent]`, so the push it causes links back to the command. Readers of an older version
 * take such a bundle for a single message: turn tracing on once every node reads pairs.
 */

/** One change message, and the `traceparent` of the command whose event caused it, when traced. */
export interface ChangeMessage {
  readonly message: string;
  readonly traceparent?: string | undefined;
}

export const encodeChangeBundle = (messages: readonly ChangeMessage[]): string =>
  JSON.stringify(
    messages.map(({ message, traceparent }) => (traceparent === undefined ? message : [message, traceparent])),
  );

const isPair = (entry: unknown): entry is [string, string] =>
  Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && typeof entry[1] === 'string';

/** The messages of one published bundle; a payload that is not one is taken as a single message. */
export const decodeChangeBundle = (payload: string): ChangeMessage[] => {
  if (payload.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(payload);
      if (Array.isArray(parsed) && parsed.every((entry) => typeof entry === 'string' || isPair(entry))) {
        return parsed.map((entry: string | [string, string]) =>
          typeof entry === 'string' ? { message: entry } : { message: entry[0], traceparent: entry[1] },
        );
      }
    } catch {
      // Not a bundle after all.
    }
  }
  return [{ message: payload }];
};

/**
 * One topic's change messages, one by one and in order, live from the moment this resolves.
 * `return()` releases the subscription at once, even while a `next()` is waiting.
 *
 * With `tracing`, each message is handed on in a span (`subscription message <projection>`)
 * linked to the command that caused it; the span lasts until the reader asks for the next one,
 * which is when it has pushed this one to its client.
 */
export const streamChanges = async (
  hub: SubscriberHub,
  projection: string,
  topic: string,
  options?: ChannelStreamOptions,
  tracing?: Tracing,
): Promise<AsyncIterableIterator<string>> =>
  new ChangeMessages(await streamChannel(hub, changeChannel(projection, topic), options), projection, tracing);

class ChangeMessages implements AsyncIterableIterator<string> {
  #unread: ChangeMessage[] = [];
  #next = 0;
  #pushing: Span | undefined;

  constructor(
    private readonly bundles: AsyncIterableIterator<string>,
    private readonly projection: string,
    private readonly tracing: Tracing | undefined,
  ) {}

  async next(): Promise<IteratorResult<string>> {
    this.#pushed();
    while (this.#next >= this.#unread.length) {
      const result = await this.bundles.next();
      if (result.done) return result;
      this.#unread = decodeChangeBundle(result.value);
      this.#next = 0;
    }
    const change = this.#unread[this.#next++]!;
    if (this.tracing !== undefined) this.#pushing = this.#pushSpan(this.tracing, change);
    return { value: change.message, done: false };
  }

  #pushSpan(tracing: Tracing, { traceparent }: ChangeMessage): Span {
    const link = traceparent === undefined ? undefined : tracing.linkFrom({ traceparent });
    return tracing.startSpan(
      `subscription message ${this.projection}`,
      { attributes: { 'esgraph.projection': this.projection }, ...(link === undefined ? {} : { links: [link] }) },
      ROOT_CONTEXT,
    );
  }

  /** Ends the span of the message handed on last: its reader is back, so it has been pushed. */
  #pushed(): void {
    this.#pushing?.end();
    this.#pushing = undefined;
  }

  async return(value?: unknown): Promise<IteratorResult<string>> {
    this.#pushed();
    this.#unread = [];
    return (await this.bundles.return?.(value)) ?? { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<string>> {
    this.#pushed();
    this.#unread = [];
    if (this.bundles.throw) return this.bundles.throw(error);
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<string> {
    return this;
  }
}
