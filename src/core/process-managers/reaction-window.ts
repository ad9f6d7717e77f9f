import type { EventEnvelope } from '../eventstore/event-envelope.js';
import type { Handled } from './event-handling.js';

/** Most events taken and not yet checkpointed past, done or not. */
export const MAX_TAKEN = 10_000;

/** What a window needs of its lane's session. */
export interface ReactionWindowSession {
  /** Reacts to one event; 'fenced' when the lease is gone. */
  readonly react: (event: EventEnvelope) => Promise<Handled>;
  /** Moves the checkpoint to `position`; false when the lease is gone. */
  readonly checkpoint: (position: bigint) => Promise<boolean>;
  /** Ends the session: the lease is gone, or a reaction or commit failed (`error`). */
  readonly end: (error?: unknown) => void;
  /** Aborted once the session ends: nothing more is taken or started. */
  readonly signal: AbortSignal;
}

/**
 * The events one session of a process manager has taken from its feed and not yet checkpointed
 * past, in log order, with their reactions under way. Events of one stream are reacted to one
 * after another in log order, events of different streams side by side, at most `limit` taken
 * and unfinished at once (and MAX_TAKEN behind the checkpoint): taking one more waits for room,
 * which holds the feed back. The checkpoint moves only to the last event before which every
 * event is done, so a crash replays whatever was not; it moves as soon as that frontier passes
 * an event that sent commands or parked, and whenever the window empties, one commit at a time.
 */
export class ReactionWindow {
  /** Taken and not yet checkpointed past, oldest first, each with its outcome once done. */
  readonly #taken: { readonly position: bigint; outcome: Handled | undefined }[] = [];
  readonly #running = new Set<Promise<void>>();
  /** The latest reaction of each stream with one under way: the stream's next follows it. */
  readonly #lastOfStream = new Map<string, Promise<void>>();
  #unfinished = 0;
  #roomMade: (() => void) | undefined;
  /** Whether the frontier passed an event that sent commands (or parked) since the last commit. */
  #unrecorded = false;
  #committing: Promise<void> = Promise.resolve();
  /** The frontier the next commit moves the checkpoint to, and the last one committed. */
  #commitTarget: bigint | undefined;
  #committed: bigint | undefined;
  #lastTaken: bigint | undefined;

  constructor(
    private readonly session: ReactionWindowSession,
    private readonly limit: number,
  ) {}

  /** The last position taken: the feed may hand an event again (after it starts over), never to be taken twice. */
  get lastTaken(): bigint | undefined {
    return this.#lastTaken;
  }

  /** Events taken and not yet checkpointed past. */
  get pending(): number {
    return this.#taken.length;
  }

  /** Takes the events in order, each once there is room; resolves once all are taken or the session ended. */
  async take(events: readonly EventEnvelope[]): Promise<void> {
    for (const event of events) {
      if (this.#lastTaken !== undefined && event.position <= this.#lastTaken) continue;
      while (!this.#hasRoom() && !this.session.signal.aborted) {
        await new Promise<void>((resolve) => {
          this.#roomMade = resolve;
        });
      }
      if (this.session.signal.aborted) return;
      this.#start(event);
    }
  }

  /**
   * Room for one more: fewer than `limit` reactions unfinished, and fewer than MAX_TAKEN events
   * behind the checkpoint, so one reaction that takes long (sent again and again while a
   * dependency is away) cannot make the window hold every later event in memory.
   */
  #hasRoom(): boolean {
    return this.#unfinished < this.limit && this.#taken.length < MAX_TAKEN;
  }

  /** Resolves once every reaction taken is over and the last commit is answered. */
  async settled(): Promise<void> {
    this.#roomMade?.();
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
    await this.#committing;
  }

  #start(event: EventEnvelope): void {
    const entry = { position: event.position, outcome: undefined as Handled | undefined };
    this.#taken.push(entry);
    this.#lastTaken = event.position;
    this.#unfinished++;
    const { streamName } = event;
    const reaction = (this.#lastOfStream.get(streamName) ?? Promise.resolve()).then(async () => {
      if (this.session.signal.aborted) return;
      const handled = await this.session.react(event);
      if (handled === 'fenced') return this.session.end();
      entry.outcome = handled;
      this.#advance();
    });
    this.#lastOfStream.set(streamName, reaction);
    this.#running.add(reaction);
    reaction
      .catch((error: unknown) => this.session.end(error))
      .finally(() => {
        this.#running.delete(reaction);
        if (this.#lastOfStream.get(streamName) === reaction) this.#lastOfStream.delete(streamName);
        this.#unfinished--;
        const roomMade = this.#roomMade;
        this.#roomMade = undefined;
        roomMade?.();
      });
  }

  /** Drops the done events at the head of the window, and commits past them when that is due. */
  #advance(): void {
    let frontier: bigint | undefined;
    while (this.#taken[0]?.outcome !== undefined) {
      const { position, outcome } = this.#taken.shift()!;
      if (outcome !== 'passed') this.#unrecorded = true;
      frontier = position;
    }
    if (frontier === undefined || !(this.#unrecorded || this.#taken.length === 0)) return;
    this.#unrecorded = false;
    this.#commitTarget = frontier;
    // Commits queued behind one under way collapse into one, to the frontier as it then stands.
    this.#committing = this.#committing
      .then(async () => {
        const target = this.#commitTarget;
        if (this.session.signal.aborted || target === undefined || target === this.#committed) return;
        this.#committed = target;
        if (!(await this.session.checkpoint(target))) this.session.end();
      })
      .catch((error: unknown) => this.session.end(error));
  }
}
