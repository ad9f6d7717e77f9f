/** What every lane reports about itself, beside what is its own: its progress as this process sees it. */
export interface LaneStatus<State extends string> {
  readonly name: string;
  readonly state: State;
  /** The last $all position committed. */
  readonly checkpoint: bigint | undefined;
  /** Events being applied and not yet past the checkpoint. */
  readonly pendingEvents: number;
  /** Events this lane parked since it started. */
  readonly parked: number;
  readonly lastError: string | undefined;
}

/** The lane's side of its lifecycle. */
export interface LaneLoop {
  /** Plans, takes leases and runs sessions until the lifecycle's signal is aborted. */
  readonly run: () => Promise<void>;
  /** Ends the session under way, so that a stop need not wait for the session's next look at the signal. */
  readonly endSession: () => void;
  /** What a stop waits for once the loop has returned (work the loop left running on its own). */
  readonly windDown?: () => Promise<void>;
}

/**
 * A lane's start, stop and status, one way for every kind of lane: the loop runs once however
 * often the lane is started; a stop aborts `signal`, ends the session under way and waits for the
 * loop to return. The loop keeps its progress here (`state`, `checkpoint`, `parked`, `lastError`),
 * which is what the lane's status is built from.
 */
export class LaneLifecycle<State extends string> {
  readonly #stopping = new AbortController();
  #running: Promise<void> | undefined;
  state: State | 'starting' | 'stopped' = 'starting';
  checkpoint: bigint | undefined;
  parked = 0;
  lastError: string | undefined;

  constructor(private readonly loop: LaneLoop) {}

  /** Aborted once the lane is told to stop: every wait and send of the loop listens to it. */
  get signal(): AbortSignal {
    return this.#stopping.signal;
  }

  start(): void {
    this.#running ??= this.loop.run();
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    this.loop.endSession();
    await this.#running;
    await this.loop.windDown?.();
    this.state = 'stopped';
  }

  /** The status every lane shares; a lane adds its own fields to it. */
  status(name: string, pendingEvents: number): LaneStatus<State | 'starting' | 'stopped'> {
    return {
      name,
      state: this.state,
      checkpoint: this.checkpoint,
      pendingEvents,
      parked: this.parked,
      lastError: this.lastError,
    };
  }
}
