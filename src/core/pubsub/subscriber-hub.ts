import { ServiceUnavailableError } from '../errors.js';
import { closeRedisClient, onConnectionLost, type RedisClient } from '../redis/client.js';

/** One local listener of a channel. */
export interface ChannelListener {
  readonly message: (text: string) => void;
  /** The hub closed: no more messages will come. */
  readonly closed?: () => void;
  /**
   * The subscriber connection was lost: messages may have been missed and no more will come on
   * this listener. Whoever needs every message listens again once the hub is connected.
   */
  readonly failed?: (error: ServiceUnavailableError) => void;
}

/** Removes a listener; the hub unsubscribes the channel when its last listener leaves. */
export type StopListening = () => Promise<void>;

interface ChannelEntry {
  readonly listeners: Set<ChannelListener>;
  /** The connection the channel is subscribed on; after a loss it is not the hub's any more. */
  readonly client: RedisClient;
  /** The one node-redis listener that fans a message out to ours; also what UNSUBSCRIBE removes. */
  readonly dispatch: (text: string) => void;
  /** Settles when Redis confirmed the SUBSCRIBE: messages published after that reach us. */
  readonly subscribed: Promise<void>;
}

export interface SubscriberHubOptions {
  /** Connection errors of the subscriber connection; the hub reconnects by itself. */
  readonly onError?: (error: Error) => void;
}

/**
 * The one subscriber connection of a process. A connection in subscribe mode can do nothing else,
 * so it is a duplicate of the command client; every local listener of every channel shares it.
 * A channel is subscribed in Redis while it has at least one local listener.
 *
 * When the connection is lost, what is published meanwhile is lost too, so the hub does not
 * pretend otherwise: every listener is failed at once (a GraphQL subscription ends with
 * SERVICE_UNAVAILABLE and its client resumes with `since`), the lost connection is dropped with
 * whatever node-redis would have resubscribed, and a fresh one reconnects with backoff. Until it
 * is ready, `listen` refuses with `ServiceUnavailableError`.
 */
export class SubscriberHub {
  readonly #source: RedisClient;
  readonly #options: SubscriberHubOptions;
  readonly #channels = new Map<string, ChannelEntry>();
  readonly #lostListeners = new Set<(error: ServiceUnavailableError) => void>();
  #client: RedisClient;
  #stopWatching: () => void = () => undefined;
  #closed = false;

  private constructor(source: RedisClient, options: SubscriberHubOptions) {
    this.#source = source;
    this.#options = options;
    this.#client = this.#open();
  }

  /** Opens the subscriber connection, a duplicate of `redis` with the same options. */
  static async connect(redis: RedisClient, options: SubscriberHubOptions = {}): Promise<SubscriberHub> {
    const hub = new SubscriberHub(redis, options);
    await hub.#client.connect();
    return hub;
  }

  /** Whether the subscriber connection is up, so `listen` can succeed. */
  get connected(): boolean {
    return !this.#closed && this.#client.isReady;
  }

  /**
   * Adds a listener to `channel` and resolves once Redis confirmed the subscription, so that
   * anything published afterwards is heard: check state only after this (no lost wake-up).
   * @throws ServiceUnavailableError while the subscriber connection is down.
   */
  async listen(channel: string, listener: ChannelListener): Promise<StopListening> {
    if (this.#closed) throw new Error('the subscriber hub is closed');
    if (!this.#client.isReady) throw new ServiceUnavailableError('the Redis subscriber connection is down');
    const entry = this.#channels.get(channel) ?? this.#subscribe(channel);
    entry.listeners.add(listener);
    const stop = async (): Promise<void> => {
      if (!entry.listeners.delete(listener) || entry.listeners.size > 0) return;
      if (this.#channels.get(channel) !== entry) return;
      this.#channels.delete(channel);
      // Queued in order behind any SUBSCRIBE, and a later listen() subscribes afresh after it.
      if (!this.#closed && entry.client.isReady) await entry.client.unsubscribe(channel, entry.dispatch);
    };
    try {
      await entry.subscribed;
    } catch (error) {
      await stop();
      throw error;
    }
    return stop;
  }

  /** Called each time the connection is lost, after the listeners were failed; returns a remover. */
  onLost(listener: (error: ServiceUnavailableError) => void): () => void {
    this.#lostListeners.add(listener);
    return () => this.#lostListeners.delete(listener);
  }

  /** Closes the connection (within a bound) and tells every listener that no more messages will come. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching();
    const listeners = this.#takeListeners();
    this.#lostListeners.clear();
    await closeRedisClient(this.#client);
    for (const listener of listeners) listener.closed?.();
  }

  #open(): RedisClient {
    const client = this.#source.duplicate();
    client.on('error', (error: Error) => this.#options.onError?.(error));
    this.#stopWatching = onConnectionLost(client, (error) => this.#lost(client, error));
    return client;
  }

  #lost(client: RedisClient, cause: Error): void {
    if (this.#closed || client !== this.#client) return;
    const error = new ServiceUnavailableError(`lost the Redis subscriber connection: ${cause.message}`, { cause });
    this.#stopWatching();
    // node-redis would resubscribe every channel on reconnection, listeners or not; a fresh
    // connection starts with none, and its connect() keeps retrying with backoff.
    client.destroy();
    this.#client = this.#open();
    this.#client.connect().catch(() => undefined);
    for (const listener of this.#takeListeners()) {
      if (listener.failed) listener.failed(error);
      else listener.closed?.();
    }
    for (const listener of this.#lostListeners) listener(error);
  }

  #takeListeners(): ChannelListener[] {
    const listeners = [...this.#channels.values()].flatMap((entry) => [...entry.listeners]);
    for (const entry of this.#channels.values()) entry.listeners.clear();
    this.#channels.clear();
    return listeners;
  }

  #subscribe(channel: string): ChannelEntry {
    const listeners = new Set<ChannelListener>();
    const dispatch = (text: string): void => {
      for (const listener of listeners) listener.message(text);
    };
    const client = this.#client;
    const entry = { listeners, client, dispatch, subscribed: client.subscribe(channel, dispatch) };
    this.#channels.set(channel, entry);
    return entry;
  }
}
