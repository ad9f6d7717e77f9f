import { once } from 'node:events';
import type { Readable } from 'node:stream';

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

/** Resolves when the stream has something to read, has ended, or `ms` have passed (if given). */
const readable = async (stream: Readable, ms?: number): Promise<void> => {
  if (stream.readableLength > 0 || stream.readableEnded) return;
  const controller = new AbortController();
  const timer = ms === undefined ? undefined : setTimeout(() => controller.abort(), ms);
  try {
    await Promise.race([
      once(stream, 'readable', { signal: controller.signal }),
      once(stream, 'end', { signal: controller.signal }),
    ]);
  } catch (error) {
    // The window closing aborts the waits; a stream error rejects them and must surface.
    if (!controller.signal.aborted || (error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
};

/**
 * Reads an object stream in batches, by count and by a short time window: everything already
 * buffered is taken at once (a backlog fills whole batches), and a lone item waits at most the
 * window for company. One await per batch rather than per item: following $all, the per-item
 * promise machinery of async iteration costs as much as projecting an event. The consumer still
 * takes batches with `for await`, one at a time, so no batch is handled while another is read.
 */
export async function* readBatches<T>(
  stream: Readable,
  options: BatchingOptions,
  /** Called each time the reader waits with nothing in hand: everything read so far was yielded. */
  onIdle: () => void = () => undefined,
): AsyncGenerator<T[]> {
  const failure = new Promise<never>((_, reject) => stream.once('error', reject));
  failure.catch(() => undefined);
  const take = (batch: T[]): void => {
    while (batch.length < options.maxItems) {
      const item = stream.read() as T | null;
      if (item === null) return;
      batch.push(item);
    }
  };
  for (;;) {
    const batch: T[] = [];
    take(batch);
    if (batch.length === 0) {
      if (stream.readableEnded || stream.destroyed) return;
      const waiting = Promise.race([readable(stream), failure]);
      onIdle();
      await waiting;
      continue;
    }
    if (batch.length < options.maxItems && options.windowMs > 0) {
      await Promise.race([readable(stream, options.windowMs), failure]);
      take(batch);
    }
    yield batch;
  }
}
