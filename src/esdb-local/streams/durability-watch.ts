import type { EventStorage } from '../storage/storage.js';

interface Waiter {
  readonly streamId: string;
  readonly revision: number;
  readonly resolve: () => void;
}

/**
 * Lets an answer wait until a revision written by an earlier, still unacknowledged append is
 * durable. An idempotent retry of an in-flight append must not succeed before the original
 * does: EventStoreDB acknowledges nothing that a crash could still take away.
 */
export class DurabilityWatch {
  #waiters: Waiter[] = [];

  constructor(private readonly storage: EventStorage) {
    storage.onDurable(() => this.#release());
  }

  /** Resolves once `streamId` has a durable event at `revision`. */
  whenDurable(streamId: string, revision: number): Promise<void> {
    if (this.storage.lastRevision(streamId, 'durable') >= revision) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ streamId, revision, resolve }));
  }

  #release(): void {
    if (this.#waiters.length === 0) return;
    const stillWaiting: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (this.storage.lastRevision(waiter.streamId, 'durable') >= waiter.revision) waiter.resolve();
      else stillWaiting.push(waiter);
    }
    this.#waiters = stillWaiting;
  }
}
