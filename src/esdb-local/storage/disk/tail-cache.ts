import type { EventRecord } from '../storage.js';

/*
 * The newest durable records, decoded and in log order, so live subscriptions and streams being
 * written right now are served from memory. It always holds a contiguous suffix of the log:
 * every durable record at or after `coversFrom` is here. Old records fall off the front once
 * the cache passes its byte budget.
 */

/** Rough bytes a decoded record costs beyond its payload (object, strings, buffer views). */
const RECORD_OVERHEAD_BYTES = 256;

const costOf = (record: EventRecord): number =>
  RECORD_OVERHEAD_BYTES + record.data.byteLength + record.metadata.byteLength + record.streamId.length;

export class TailCache {
  private records: EventRecord[] = [];
  private first = 0;
  private bytes = 0;

  /**
   * @param budgetBytes how much memory the cache may hold (approximately).
   * @param coversFrom the log's durable head when the cache starts empty.
   */
  constructor(
    private readonly budgetBytes: number,
    public coversFrom: number,
  ) {}

  /** Adds newly durable records (in log order) and evicts the oldest beyond the budget. */
  push(records: readonly EventRecord[]): void {
    for (const record of records) {
      this.records.push(record);
      this.bytes += costOf(record);
    }
    while (this.bytes > this.budgetBytes && this.first < this.records.length) {
      const evicted = this.records[this.first++]!;
      this.bytes -= costOf(evicted);
      this.coversFrom = evicted.position + 1;
    }
    // Drop the evicted prefix now and then, not on every eviction, to keep eviction O(1).
    if (this.first > 4096 && this.first * 2 > this.records.length) {
      this.records = this.records.slice(this.first);
      this.first = 0;
    }
  }

  /** The first cached record at or after `position`, or undefined. */
  atOrAfter(position: number): EventRecord | undefined {
    return this.records[this.search(position)];
  }

  /** The last cached record before `position`, or undefined. */
  before(position: number): EventRecord | undefined {
    const index = this.search(position) - 1;
    return index >= this.first ? this.records[index] : undefined;
  }

  /** The cached record at exactly `position`, or undefined. */
  at(position: number): EventRecord | undefined {
    const record = this.atOrAfter(position);
    return record?.position === position ? record : undefined;
  }

  // The index of the first live record whose position is >= `position` (records.length if none).
  private search(position: number): number {
    let low = this.first;
    let high = this.records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.records[middle]!.position < position) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
