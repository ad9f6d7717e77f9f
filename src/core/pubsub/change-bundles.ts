import { type ChannelStreamOptions, streamChannel } from './channel-stream.js';
import { changeChannel } from './channels.js';
import type { SubscriberHub } from './subscriber-hub.js';

/*
 * A projection batch announces its changes per topic in one PUBLISH: the topic's messages, in
 * order, as a JSON array of strings. Catching up, a batch of thousands of events on a few
 * hundred entities then costs a few hundred publishes, not thousands; live, a batch of one
 * event is one publish as before. Readers get the messages one by one again.
 */

export const encodeChangeBundle = (messages: readonly string[]): string => JSON.stringify(messages);

/** The messages of one published bundle; a payload that is not one is taken as a single message. */
export const decodeChangeBundle = (payload: string): string[] => {
  if (payload.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(payload);
      if (Array.isArray(parsed) && parsed.every((message) => typeof message === 'string')) return parsed;
    } catch {
      // Not a bundle after all.
    }
  }
  return [payload];
};

/**
 * One topic's change messages, one by one and in order, live from the moment this resolves.
 * `return()` releases the subscription at once, even while a `next()` is waiting.
 */
export const streamChanges = async (
  hub: SubscriberHub,
  projection: string,
  topic: string,
  options?: ChannelStreamOptions,
): Promise<AsyncIterableIterator<string>> =>
  new ChangeMessages(await streamChannel(hub, changeChannel(projection, topic), options));

class ChangeMessages implements AsyncIterableIterator<string> {
  #unread: string[] = [];
  #next = 0;

  constructor(private readonly bundles: AsyncIterableIterator<string>) {}

  async next(): Promise<IteratorResult<string>> {
    while (this.#next >= this.#unread.length) {
      const result = await this.bundles.next();
      if (result.done) return result;
      this.#unread = decodeChangeBundle(result.value);
      this.#next = 0;
    }
    return { value: this.#unread[this.#next++]!, done: false };
  }

  async return(value?: unknown): Promise<IteratorResult<string>> {
    this.#unread = [];
    return (await this.bundles.return?.(value)) ?? { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<string>> {
    this.#unread = [];
    if (this.bundles.throw) return this.bundles.throw(error);
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<string> {
    return this;
  }
}
