/** Where one event of a stream landed. */
export interface EventPlacement {
  readonly revision: bigint;
  /** Undefined for an event appended by this process whose own position the append did not report. */
  readonly position: bigint | undefined;
}

/** A stream folded so far: its state, the last revision folded, and where every event went. */
export interface FoldedStream<State> {
  readonly state: State;
  /** -1n for a stream with no events. */
  readonly revision: bigint;
  /** Position of the last event folded; undefined for an empty stream. */
  readonly lastPosition: bigint | undefined;
  /**
   * Every event id of the stream, for recognising a retried command by its derived ids. Grown in
   * place as the stream grows (copying it per command would cost a busy stream dearly); only the
   * one task allowed on the stream at a time touches it.
   */
  readonly placements: Map<string, EventPlacement>;
  /** False when the stream is known to hold events beyond `revision`: read them before deciding. */
  readonly upToDate: boolean;
}

/**
 * Folded streams kept between commands, least recently used first out, bounded by the number of
 * event ids held. A cached fold is only ever a faithful copy of what the stream held at its
 * revision: a command decided on one that went stale fails its expected-revision check and
 * catches up, so the cache saves reads without ever deciding on the wrong state.
 */
export class AggregateCache {
  readonly #streams = new Map<string, FoldedStream<unknown>>();
  /** What each stream counted for when last set, since its placements may have grown since. */
  readonly #counted = new Map<string, number>();
  #eventsHeld = 0;

  constructor(private readonly maxEvents = 200_000) {}

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
    this.#counted.set(streamName, folded.placements.size);
    this.#eventsHeld += folded.placements.size;
    for (const name of this.#streams.keys()) {
      if (this.#eventsHeld <= this.maxEvents || name === streamName) break;
      this.delete(name);
    }
  }

  delete(streamName: string): void {
    const counted = this.#counted.get(streamName);
    if (counted === undefined) return;
    this.#eventsHeld -= counted;
    this.#counted.delete(streamName);
    this.#streams.delete(streamName);
  }
}
