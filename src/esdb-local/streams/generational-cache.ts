/**
 * A bounded map that forgets in halves. Entries live in a young generation; when it is full, the
 * old generation is dropped (but for entries `mustKeep` holds on to) and the young one becomes
 * old. It keeps between half and all of `capacity` recently used entries, and every operation
 * is O(1) amortized.
 *
 * The obvious alternative, a Map used as an LRU by deleting its first key, degrades badly: V8
 * leaves deleted entries in place until it rehashes, so finding the first key walks past every
 * one deleted before it, and each eviction costs as much as the evictions so far.
 */
export class GenerationalCache<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  constructor(
    private readonly capacity: number,
    private readonly mustKeep: (key: K, value: V) => boolean = () => false,
  ) {}

  /** The entry for `key`, which counts as a use: it moves to the young generation. */
  get(key: K): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old === undefined) return undefined;
    this.#old.delete(key);
    this.#add(key, old);
    return old;
  }

  set(key: K, value: V): void {
    this.#old.delete(key);
    this.#add(key, value);
  }

  #add(key: K, value: V): void {
    this.#young.set(key, value);
    if (this.#young.size >= this.capacity / 2) this.#rotate();
  }

  #rotate(): void {
    const dropped = this.#old;
    this.#old = this.#young;
    this.#young = new Map();
    for (const [key, value] of dropped) if (this.mustKeep(key, value)) this.#old.set(key, value);
  }
}
