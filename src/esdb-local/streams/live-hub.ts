import type { EventRecord, EventStorage } from '../storage/storage.js';

type AllListener = (batch: readonly EventRecord[]) => void;
type StreamListener = (record: EventRecord) => void;

/**
 * Fans each durable batch out to live subscribers, synchronously and in log order. Nothing
 * here waits for a subscriber: a slow one buffers or falls back to reading storage on its own,
 * so writers never feel it.
 */
export class LiveHub {
  readonly #allListeners = new Set<AllListener>();
  readonly #streamListeners = new Map<string, Set<StreamListener>>();

  constructor(storage: EventStorage) {
    storage.onDurable((batch) => this.#publish(batch));
  }

  /** Every durable batch from now on; returns the way to stop. */
  listenToAll(listener: AllListener): () => void {
    this.#allListeners.add(listener);
    return () => this.#allListeners.delete(listener);
  }

  /** Every durable event of `streamId` from now on; returns the way to stop. */
  listenToStream(streamId: string, listener: StreamListener): () => void {
    let listeners = this.#streamListeners.get(streamId);
    if (!listeners) {
      listeners = new Set();
      this.#streamListeners.set(streamId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#streamListeners.get(streamId) === listeners)
        this.#streamListeners.delete(streamId);
    };
  }

  #publish(batch: readonly EventRecord[]): void {
    for (const listener of this.#allListeners) listener(batch);
    if (this.#streamListeners.size === 0) return;
    for (const record of batch) {
      const listeners = this.#streamListeners.get(record.streamId);
      if (listeners) for (const listener of listeners) listener(record);
    }
  }
}
