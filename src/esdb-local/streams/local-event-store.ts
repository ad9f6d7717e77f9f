import { randomUUID } from 'node:crypto';
import type { EventStorage } from '../storage/storage.js';
import { AllSubscription, type AllSubscriptionOptions } from './all-subscription.js';
import { LiveHub } from './live-hub.js';
import { StreamReader } from './stream-reader.js';
import { StreamSubscription, type StreamSubscriptionOptions } from './stream-subscription.js';
import { StreamWriter } from './stream-writer.js';
import type { Subscription, SubscriptionSink } from './subscription.js';
import { EPOCH_INFORMATION_STREAM, METADATA_EVENT_TYPE, metastreamOf, SCAVENGES_STREAM } from './system-names.js';

/** 30 days: how long EventStoreDB keeps scavenge history (`$maxAge` of `$scavenges`). */
const SCAVENGE_HISTORY_SECONDS = 30 * 24 * 60 * 60;

const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8');

/**
 * esdb-local's streams, whole: the writer, the reader and live subscriptions over one storage
 * engine. The transport (gRPC) talks to this and nothing below it.
 */
export class LocalEventStore {
  readonly writer: StreamWriter;
  readonly reader: StreamReader;
  readonly #hub: LiveHub;
  readonly #subscriptions = new Set<Subscription>();
  #failure: unknown;

  private constructor(
    readonly storage: EventStorage,
    private readonly instanceId: string,
  ) {
    this.writer = new StreamWriter(storage, (error) => {
      this.#failure ??= error;
    });
    this.reader = new StreamReader(storage);
    this.#hub = new LiveHub(storage);
  }

  /**
   * Wraps a storage engine and records a new epoch, as every EventStoreDB node does when it
   * starts leading. A fresh log also gets the system records a real server writes on its first
   * start, so tools that expect them find them.
   */
  static async open(storage: EventStorage): Promise<LocalEventStore> {
    const store = new LocalEventStore(storage, randomUUID());
    const fresh = storage.headPosition === 0;
    await store.writer.append(EPOCH_INFORMATION_STREAM, 'any', [
      {
        eventId: randomUUID(),
        type: '$epoch',
        isJson: true,
        data: json({ instanceId: store.instanceId, startedAt: new Date().toISOString() }),
        metadata: new Uint8Array(0),
      },
    ]);
    if (fresh) {
      await store.writer.append(metastreamOf(SCAVENGES_STREAM), 'any', [
        {
          eventId: randomUUID(),
          type: METADATA_EVENT_TYPE,
          isJson: true,
          data: json({ $maxAge: SCAVENGE_HISTORY_SECONDS }),
          metadata: new Uint8Array(0),
        },
      ]);
    }
    return store;
  }

  /** Why storage failed, if it did: the server then refuses work until restarted. */
  get failure(): unknown {
    return this.#failure;
  }

  /** A subscription to $all, not yet started: call `start()` once the sink is wired. */
  subscribeToAll(sink: SubscriptionSink, options: AllSubscriptionOptions): Subscription {
    return this.#track(new AllSubscription(this.storage, this.#hub, sink, options));
  }

  /** A subscription to one stream, not yet started. */
  subscribeToStream(streamId: string, sink: SubscriptionSink, options: StreamSubscriptionOptions): Subscription {
    return this.#track(new StreamSubscription(this.storage, this.reader, this.#hub, sink, streamId, options));
  }

  /** Stops every subscription and closes storage (waiting for appends in flight). */
  async close(): Promise<void> {
    for (const subscription of this.#subscriptions) subscription.stop();
    this.#subscriptions.clear();
    await this.storage.close();
  }

  #track(subscription: Subscription): Subscription {
    this.#subscriptions.add(subscription);
    subscription.onStop = () => this.#subscriptions.delete(subscription);
    return subscription;
  }
}
