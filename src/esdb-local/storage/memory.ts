import type { EventRecord, EventStorage, NewEventRecord, ReadDirection } from './storage.js';

/**
 * Bytes a record would take in a log, so that positions grow like EventStoreDB's byte offsets
 * rather than like indexes: clients that compare or print positions see realistic values.
 */
const recordSpan = (record: NewEventRecord): number =>
  64 + record.streamId.length + record.type.length + record.data.byteLength + record.metadata.byteLength;

/**
 * The `--mem` engine: everything lives in arrays and is lost on exit. A batch becomes
 * durable (readable, listeners told) in a microtask, never inside `append` itself, so the
 * layers above see the same asynchronous acknowledgement as with the disk engine, and every
 * batch appended in one tick shares one "flush".
 */
export const createMemoryStorage = (): EventStorage => {
  const log: EventRecord[] = [];
  const streams = new Map<string, EventRecord[]>();
  const acceptedRevisions = new Map<string, number>();
  const listeners = new Set<(batch: readonly EventRecord[]) => void>();
  let pending: { records: EventRecord[]; resolve: (records: readonly EventRecord[]) => void }[] = [];
  let nextPosition = 0;
  let closed = false;

  const flush = (): void => {
    const batches = pending;
    pending = [];
    for (const { records } of batches) {
      for (const record of records) {
        log.push(record);
        let stream = streams.get(record.streamId);
        if (!stream) {
          stream = [];
          streams.set(record.streamId, stream);
        }
        stream.push(record);
        // Once durable, the stream's own last record answers for it again.
        if (acceptedRevisions.get(record.streamId) === record.revision) acceptedRevisions.delete(record.streamId);
      }
      for (const listener of listeners) listener(records);
    }
    for (const { records, resolve } of batches) resolve(records);
  };

  // Positions are strictly increasing, so a binary search finds the first record at or after one.
  const firstIndexAtOrAfter = (position: number): number => {
    let low = 0;
    let high = log.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (log[middle]!.position < position) low = middle + 1;
      else high = middle;
    }
    return low;
  };

  return {
    get headPosition() {
      const last = log[log.length - 1];
      return last ? last.position + 1 : 0;
    },

    lastRevision(streamId, view) {
      if (view === 'accepted') {
        const accepted = acceptedRevisions.get(streamId);
        if (accepted !== undefined) return accepted;
      }
      const stream = streams.get(streamId);
      return stream ? stream[stream.length - 1]!.revision : -1;
    },

    append(batch) {
      if (closed) return Promise.reject(new Error('storage is closed'));
      const records = batch.map((record): EventRecord => {
        const position = nextPosition;
        nextPosition += recordSpan(record);
        acceptedRevisions.set(record.streamId, record.revision);
        return { ...record, position };
      });
      if (pending.length === 0) queueMicrotask(flush);
      return new Promise((resolve) => pending.push({ records, resolve }));
    },

    *readStream(streamId, fromRevision, direction: ReadDirection) {
      const stream = streams.get(streamId);
      if (!stream || stream.length === 0) return;
      // Revisions are gap-free from 0, so a revision is its own index.
      if (direction === 'forwards') {
        for (let index = Math.max(0, fromRevision); index < stream.length; index++) yield stream[index]!;
      } else {
        for (let index = Math.min(fromRevision, stream.length - 1); index >= 0; index--) yield stream[index]!;
      }
    },

    *readAll(from, direction: ReadDirection) {
      if (direction === 'forwards') {
        for (let index = firstIndexAtOrAfter(from); index < log.length; index++) yield log[index]!;
      } else {
        for (let index = firstIndexAtOrAfter(from) - 1; index >= 0; index--) yield log[index]!;
      }
    },

    onDurable(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      closed = true;
      if (pending.length > 0) flush();
    },
  };
};
