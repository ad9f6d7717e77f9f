/**
 * Per-key work queues that hand a worker everything waiting for its key at once. The command
 * pipeline keeps one per stream: while one append to a stream is in flight, the commands that
 * arrive for it wait, and are then decided and appended together. Commands for one stream
 * handled by this process never race each other into a version conflict, and a busy stream
 * costs one append per batch of commands rather than one per command. A key is dropped as soon as
 * its queue runs empty, so only keys with work waiting or in flight are held.
 */
export class KeyedBatches<Item> {
  readonly #waiting = new Map<string, Item[]>();

  constructor(
    private readonly maxBatch: number,
    private readonly work: (key: string, batch: Item[]) => Promise<void>,
  ) {}

  /** Keys with items waiting or in flight. */
  get keys(): number {
    return this.#waiting.size;
  }

  add(key: string, item: Item): void {
    const waiting = this.#waiting.get(key);
    if (waiting) {
      waiting.push(item);
      return;
    }
    const queue = [item];
    this.#waiting.set(key, queue);
    void this.#drain(key, queue);
  }

  /** Works through the key's queue in batches, in arrival order, until it is empty. */
  async #drain(key: string, queue: Item[]): Promise<void> {
    // The first batch waits one microtask, so items added in the same tick join it.
    await Promise.resolve();
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      try {
        await this.work(key, batch);
      } catch {
        // The worker settles its own items; a throw here must not stall the queue.
      }
    }
    this.#waiting.delete(key);
  }
}
