import type { RedisClient } from '../redis/client.js';

/** One local listener of a channel. */
export interface ChannelListener {
  readonly message: (text: string) => void;
  /** The hub closed: no more messages will come. */
  readonly closed?: () => void;
}

/** Removes a listener; the hub unsubscribes the channel when its last listener leaves. */
export type StopListening = () => Promise<void>;

interface ChannelEntry {
  readonly listeners: Set<ChannelListener>;
  /** The one node-redis listener that fans a message out to ours; also what UNSUBSCRIBE removes. */
  readonly dispatch: (text: string) => void;
  /** Settles when Redis confirmed the SUBSCRIBE: messages published after that reach us. */
  readonly subscribed: Promise<void>;
}

export interface SubscriberHubOptions {
  /** Connection errors of the subscriber connection; node-redis reconnects and resubscribes by itself. */
  readonly onError?: (error: Error) => void;
}

/**
 * The one subscriber connection of a process. A connection in subscribe mode can do nothing else,
 * so it is a duplicate of the command client; every local listener of every channel shares it.
 * A channel is subscribed in Redis while it has at least one local listener.
 */
export class SubscriberHub {
  readonly #client: RedisClient;
  readonly #channels = new Map<string, ChannelEntry>();
  readonly #reconnectListeners = new Set<() => void>();
  #closed = false;

  private constructor(client: RedisClient) {
    this.#client = client;
    let connectedBefore = false;
    // node-redis resubscribes before it reports ready again; what was published while the
    // connection was down is lost, and whoever depends on every message must re-read.
    client.on('ready', () => {
      if (connectedBefore) for (const listener of this.#reconnectListeners) listener();
      connectedBefore = true;
    });
  }

  /** Opens the subscriber connection, a duplicate of `redis` with the same options. */
  static async connect(redis: RedisClient, options: SubscriberHubOptions = {}): Promise<SubscriberHub> {
    const client = redis.duplicate();
    client.on('error', (error: Error) => options.onError?.(error));
    const hub = new SubscriberHub(client);
    await client.connect();
    return hub;
  }

  /**
   * Adds a listener to `channel` and resolves once Redis confirmed the subscription, so that
   * anything published afterwards is heard: check state only after this (no lost wake-up).
   */
  async listen(channel: string, listener: ChannelListener): Promise<StopListening> {
    if (this.#closed) throw new Error('the subscriber hub is closed');
    const entry = this.#channels.get(channel) ?? this.#subscribe(channel);
    entry.listeners.add(listener);
    const stop = async (): Promise<void> => {
      if (!entry.listeners.delete(listener) || entry.listeners.size > 0) return;
      if (this.#channels.get(channel) !== entry) return;
      this.#channels.delete(channel);
      // Queued in order behind any SUBSCRIBE, and a later listen() subscribes afresh after it.
      if (!this.#closed) await this.#client.unsubscribe(channel, entry.dispatch);
    };
    try {
      await entry.subscribed;
    } catch (error) {
      await stop();
      throw error;
    }
    return stop;
  }

  /** Called after each reconnection (not the first connection); returns a function that removes it. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  /** Closes the connection and tells every listener that no more messages will come. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const listeners = [...this.#channels.values()].flatMap((entry) => [...entry.listeners]);
    this.#channels.clear();
    this.#reconnectListeners.clear();
    await this.#client.close();
    for (const listener of listeners) listener.closed?.();
  }

  #subscribe(channel: string): ChannelEntry {
    const listeners = new Set<ChannelListener>();
    const dispatch = (text: string): void => {
      for (const listener of listeners) listener.message(text);
    };
    const entry = { listeners, dispatch, subscribed: this.#client.subscribe(channel, dispatch) };
    this.#channels.set(channel, entry);
    return entry;
  }
}
