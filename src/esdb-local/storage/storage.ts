/**
 * The contract between esdb-local's protocol layer (streams semantics, subscriptions, gRPC) and
 * its storage engines (in memory for tests, segment files on disk by default).
 *
 * A storage engine knows records, streams and positions; it knows nothing of expected versions,
 * metadata, deletion or gRPC. Those live above it and are built from these calls alone.
 */

/** An event to be written. The protocol layer has already chosen its stream revision. */
export interface NewEventRecord {
  readonly streamId: string;
  /** 0-based, gap-free within the stream; the caller assigns it from `lastRevision(streamId, 'accepted') + 1`. */
  readonly revision: number;
  /** Canonical lower-case UUID string. */
  readonly eventId: string;
  readonly type: string;
  /** true for `application/json`, false for `application/octet-stream`. */
  readonly isJson: boolean;
  /** Creation time in .NET ticks (100 ns) since the Unix epoch, as EventStoreDB reports it. */
  readonly created: bigint;
  readonly data: Uint8Array;
  /** The user's custom metadata bytes, verbatim. */
  readonly metadata: Uint8Array;
}

/** An event as stored, with its place in the global log ($all). */
export interface EventRecord extends NewEventRecord {
  /**
   * Where the event sits in $all. Unique, strictly increasing in log order, stable across
   * restarts, and below 2^53. esdb-local reports it as both commit and prepare position.
   */
  readonly position: number;
}

export type ReadDirection = 'forwards' | 'backwards';

/**
 * A storage engine. Every method but `append` and `close` is synchronous and sees durable
 * records only: nothing that a crash could still take away is ever readable.
 */
export interface EventStorage {
  /**
   * One past the position of the last durable record (0 when empty): reading $all backwards
   * from here starts at the newest event, and a live subscription from "end" starts here.
   */
  readonly headPosition: number;

  /**
   * The stream's last revision, or -1 when it has no record. 'durable' counts what is readable;
   * 'accepted' also counts batches handed to `append` that have not yet resolved, which is what
   * an expected-revision check must compare against.
   */
  lastRevision(streamId: string, view: 'durable' | 'accepted'): number;

  /**
   * Writes a batch atomically and durably. Positions are assigned synchronously, in call order,
   * so two calls made in one tick land in that order. The promise resolves (with the records,
   * positions filled in) only after the batch's bytes are fsynced; concurrent calls share one
   * fsync. After a crash a batch is either entirely present or entirely absent. A rejection
   * means an I/O failure: the engine is then unusable and the server must stop.
   */
  append(batch: readonly NewEventRecord[]): Promise<readonly EventRecord[]>;

  /**
   * The stream's records by revision. Forwards yields revisions >= fromRevision in ascending
   * order; backwards yields revisions <= fromRevision in descending order (pass
   * Number.MAX_SAFE_INTEGER for "from the end"). Lazy: a large stream is read as it is consumed.
   */
  readStream(streamId: string, fromRevision: number, direction: ReadDirection): Iterable<EventRecord>;

  /**
   * $all in log order. Forwards yields records with position >= from; backwards yields records
   * with position < from, newest first. `from` need not be an existing position. Lazy.
   */
  readAll(from: number, direction: ReadDirection): Iterable<EventRecord>;

  /**
   * Calls the listener after each batch becomes durable and readable, in log order, once per
   * batch. Returns a function that removes the listener.
   */
  onDurable(listener: (batch: readonly EventRecord[]) => void): () => void;

  /** Waits for in-flight appends, persists whatever makes the next start fast, releases files. */
  close(): Promise<void>;
}
