/**
 * Runs tasks one at a time per key, in arrival order. The command pipeline uses it so that
 * commands for one stream handled by this process never race each other into a version
 * conflict; conflicts then only come from other processes, and optimistic concurrency
 * resolves those.
 */
export class KeyedSerialQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    // Forget the key once nothing is queued behind this task, so idle keys cost nothing.
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
