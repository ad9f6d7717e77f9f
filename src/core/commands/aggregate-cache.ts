/** What the stream holds of one command: where its last event went, and what the command was. */
export interface CommandRecord {
  readonly revision: bigint;
  readonly position: bigint;
  /** The command's digest; undefined for events written before digests were recorded. */
  readonly digest: string | undefined;
}

/** A stream folded so far: its state, the last revision folded, and the commands it holds. */
export interface FoldedStream<State> {
  readonly state: State;
  /** -1n for a stream with no events. */
  readonly revision: bigint;
  /** Position of the last event folded; undefined for an empty stream. */
  readonly lastPosition: bigint | undefined;
  /**
   * Every command of the stream by command id (from its events' metadata), for recognising a
   * retried or reused command id. Grown in place as the stream grows (copying it per command
   * would cost a busy stream dearly); only the one task allowed on the stream at a time touches it.
   */
  readonly commands: Map<string, CommandRecord>;
  /** False when the stream is known to hold events beyond `revision`: read them before deciding. */
  readonly upToDate: boolean;
}

/** How much the cache holds at most. */
export interface AggregateCacheBounds {
  /** Streams held, whatever their size: an empty stream costs an entry too. Default 10,000. */
  readonly maxStreams?: number;
  /** Commands recorded over all streams held. Default 200,000. */
  readonly maxCommands?: number;
}

/**
 * Folded streams kept between commands, least recently used first out, bounded both by the
 * number of streams and by the number of commands they record (so neither many small streams,
 * such as never-opened ids, nor a few long ones grow it without end). A cached fold is only ever
 * a faithful copy of what the stream held at its revision, possibly an old one: the pipeline
 * confirms every decision against the stream's head (an append by its expected revision, a
 * refusal by reading forward), so a stale fold costs a read, never a wrong answer.
 */
export class AggregateCache {
  readonly #streams = new Map<string, FoldedStream<unknown>>();
  /** What each stream counted for when last set, since its commands may have grown since. */
  readonly #counted = new Map<string, number>();
  #commandsHeld = 0;
  readonly #maxStreams: number;
  readonly #maxCommands: number;

  constructor({ maxStreams = 10_000, maxCommands = 200_000 }: AggregateCacheBounds = {}) {
    this.#maxStreams = maxStreams;
    this.#maxCommands = maxCommands;
  }

  /** Streams held now. */
  get streams(): number {
    return this.#streams.size;
  }

  /** Commands recorded over the streams held, as counted when each was last set. */
  get commandsHeld(): number {
    return this.#commandsHeld;
  }

  get<State>(streamName: string): FoldedStream<State> | undefined {
    const folded = this.#streams.get(streamName);
    if (folded) {
      this.#streams.delete(streamName);
      this.#streams.set(streamName, folded);
    }
    return folded as FoldedStream<State> | undefined;
  }

  set<State>(streamName: string, folded: FoldedStream<State>): void {
    this.delete(streamName);
    this.#streams.set(streamName, folded);
    this.#counted.set(streamName, folded.commands.size);
    this.#commandsHeld += folded.commands.size;
    for (const name of this.#streams.keys()) {
      const over = this.#commandsHeld > this.#maxCommands || this.#streams.size > this.#maxStreams;
      if (!over || name === streamName) break;
      this.delete(name);
    }
  }

  delete(streamName: string): void {
    const counted = this.#counted.get(streamName);
    if (counted === undefined) return;
    this.#commandsHeld -= counted;
    this.#counted.delete(streamName);
    this.#streams.delete(streamName);
  }
}
