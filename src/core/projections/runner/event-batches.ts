export interface BatchingOptions {
  /** At most this many items per batch. */
  readonly maxItems: number;
  /**
   * After the first item of a batch, how long to wait for more before handing the batch over.
   * Items already waiting are always taken at once, so a backlog (catching up) fills whole batches
   * and a lone live item waits at most this long.
   */
  readonly windowMs: number;
}

const WINDOW_CLOSED = Symbol('window closed');

/**
 * Groups what an async iterator yields into batches, by count and by a short time window,
 * pulling with `next()` only (the `for await` discipline: no item is handled while another is
 * being pulled elsewhere). A `next()` still pending when a window closes is kept for the next
 * batch, never dropped.
 */
export async function* batchesOf<T>(source: AsyncIterator<T>, options: BatchingOptions): AsyncGenerator<T[]> {
  let pending: Promise<IteratorResult<T>> | undefined;
  const pull = (): Promise<IteratorResult<T>> => {
    pending ??= source.next();
    return pending;
  };
  for (;;) {
    const first = await pull();
    pending = undefined;
    if (first.done) return;
    const batch = [first.value];
    const closesAt = performance.now() + options.windowMs;
    let ended = false;
    while (batch.length < options.maxItems) {
      const next = pull();
      const wait = closesAt - performance.now();
      let timer: NodeJS.Timeout | undefined;
      const windowClosed = new Promise<typeof WINDOW_CLOSED>((resolve) => {
        timer = setTimeout(() => resolve(WINDOW_CLOSED), Math.max(0, wait));
      });
      const result = await Promise.race([next, windowClosed]);
      clearTimeout(timer);
      if (result === WINDOW_CLOSED) break;
      pending = undefined;
      if (result.done) {
        ended = true;
        break;
      }
      batch.push(result.value);
    }
    yield batch;
    if (ended) return;
  }
}
