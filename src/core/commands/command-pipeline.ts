import { type JSONType, jsonEvent, NO_STREAM, WrongExpectedVersionError } from '@eventstore/db-client';
import type { DomainCommand, DomainEvent } from '../decider.js';
import { ConcurrencyError } from '../errors.js';
import type { EventStoreClient } from '../eventstore/client.js';
import { type PositionToken, positionToken } from '../eventstore/positions.js';
import { readStoredEvents } from '../eventstore/read-stream.js';
import type { Aggregate } from './aggregate.js';
import { AggregateCache, type EventPlacement, type FoldedStream } from './aggregate-cache.js';
import { commandEventId } from './event-ids.js';
import { KeyedSerialQueue } from './stream-lock.js';

/** What a handled command tells its caller: where its events landed. */
export interface CommandResult {
  readonly streamName: string;
  /** The stream's revision after the command (its last event's revision). */
  readonly streamRevision: bigint;
  /** Where the command's last event sits in $all (for an idempotent repeat, where it sat then). */
  readonly position: PositionToken;
  /** True when the command had been handled before and nothing new was written. */
  readonly repeated: boolean;
}

export interface CommandPipelineOptions {
  /** Decide-and-append attempts before a conflict surfaces as ConcurrencyError. Default 10. */
  readonly maxAttempts?: number;
  /** Upper bound of the first retry's random delay, doubled per retry up to 250 ms. Default 5 ms. */
  readonly retryBaseDelayMs?: number;
  /** Event ids the fold cache may hold across all streams. Default 200,000. */
  readonly cacheEvents?: number;
}

const MAX_RETRY_DELAY_MS = 250;

/** Full jitter: a random wait up to an exponentially growing bound, so contenders spread out. */
const backoff = (attempt: number, baseMs: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** attempt)));

/**
 * The one command pipeline: load the aggregate's stream, fold it, `decide`, append the new events
 * with the revision read as the expected revision. A version conflict (someone else wrote first)
 * means read again and decide again, with jittered backoff, up to `maxAttempts`.
 *
 * Event ids derive from the command id, so a retried command is recognised: its ids are already
 * in the stream, and the first outcome is returned instead of deciding again. Commands for one
 * stream are handled one at a time within this process, and folds are cached between commands,
 * so a busy aggregate costs one append per command rather than a read of its whole history.
 */
export class CommandPipeline {
  readonly #queue = new KeyedSerialQueue();
  readonly #cache: AggregateCache;
  readonly #maxAttempts: number;
  readonly #retryBaseDelayMs: number;

  constructor(
    private readonly client: EventStoreClient,
    options: CommandPipelineOptions = {},
  ) {
    this.#cache = new AggregateCache(options.cacheEvents);
    this.#maxAttempts = options.maxAttempts ?? 10;
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 5;
  }

  handle<Command extends DomainCommand, Event extends DomainEvent, State>(
    aggregate: Aggregate<Command, Event, State>,
    command: Command,
  ): Promise<CommandResult> {
    const streamName = aggregate.streamName(command);
    return this.#queue.run(streamName, () => this.#handleInOrder(aggregate, command, streamName));
  }

  async #handleInOrder<Command extends DomainCommand, Event extends DomainEvent, State>(
    aggregate: Aggregate<Command, Event, State>,
    command: Command,
    streamName: string,
  ): Promise<CommandResult> {
    for (let attempt = 0; ; attempt++) {
      const folded = await this.#load(aggregate, streamName);
      // Only a command id the client chose can come round again; a fresh one has no earlier outcome.
      const repeat = command.metadata.commandIdFromClient ? earlierOutcome(folded, command, streamName) : undefined;
      if (repeat) return repeat;
      const events = aggregate.decider.decide(command, folded.state);
      if (events.length === 0) return unchanged(folded, streamName);
      try {
        return await this.#append(aggregate, command, streamName, folded, events);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        this.#cache.delete(streamName);
        if (attempt + 1 >= this.#maxAttempts) throw new ConcurrencyError(streamName);
        await backoff(attempt, this.#retryBaseDelayMs);
      }
    }
  }

  /** The cached fold, brought up to date with whatever the stream holds beyond it. */
  async #load<Event extends DomainEvent, State>(
    aggregate: Aggregate<DomainCommand, Event, State>,
    streamName: string,
  ): Promise<FoldedStream<State>> {
    const cached = this.#cache.get<State>(streamName);
    if (cached?.upToDate) return cached;
    const start: FoldedStream<State> = cached ?? {
      state: aggregate.decider.initialState,
      revision: -1n,
      lastPosition: undefined,
      placements: new Map(),
      upToDate: false,
    };
    const newer = await readStoredEvents(this.client, streamName, start.revision + 1n);
    let { state, revision, lastPosition } = start;
    const { placements } = start;
    for (const stored of newer) {
      const event = aggregate.decode(stored);
      if (event) state = aggregate.decider.evolve(state, event);
      revision = stored.revision;
      lastPosition = stored.position;
      placements.set(stored.id, { revision: stored.revision, position: stored.position });
    }
    const folded = { state, revision, lastPosition, placements, upToDate: true };
    this.#cache.set(streamName, folded);
    return folded;
  }

  async #append<Command extends DomainCommand, Event extends DomainEvent, State>(
    aggregate: Aggregate<Command, Event, State>,
    command: Command,
    streamName: string,
    folded: FoldedStream<State>,
    events: readonly Event[],
  ): Promise<CommandResult> {
    const { metadata } = command;
    const ids = events.map((_, index) => commandEventId(metadata.commandId, index));
    const eventMetadata = {
      commandId: metadata.commandId,
      correlationId: metadata.correlationId,
      causationId: metadata.causationId,
      ...(metadata.userId === undefined ? {} : { userId: metadata.userId }),
      schemaVersion: aggregate.schemaVersion,
    };
    const result = await this.client.appendToStream(
      streamName,
      events.map((event, index) =>
        // Domain event data is JSON-safe by contract (see DomainEvent).
        jsonEvent({ id: ids[index]!, type: event.type, data: event.data as JSONType, metadata: eventMetadata }),
      ),
      { expectedRevision: folded.revision < 0n ? NO_STREAM : folded.revision },
    );
    const position = result.position?.commit ?? 0n;
    this.#remember(aggregate, command, streamName, folded, events, ids, result.nextExpectedRevision, position);
    return {
      streamName,
      streamRevision: result.nextExpectedRevision,
      position: positionToken(position),
      repeated: false,
    };
  }

  /**
   * Folds the command's own events into the cache, saving the next command a read. Not when the
   * client chose the command id: a copy of this command may have landed first (elsewhere) with
   * slightly different data (another `now`), and the store's idempotency answered for it; the
   * next command then reads the stream to see exactly what was stored.
   */
  #remember<Command extends DomainCommand, Event extends DomainEvent, State>(
    aggregate: Aggregate<Command, Event, State>,
    command: Command,
    streamName: string,
    folded: FoldedStream<State>,
    events: readonly Event[],
    ids: readonly string[],
    lastRevision: bigint,
    lastPosition: bigint,
  ): void {
    if (command.metadata.commandIdFromClient) {
      this.#cache.set(streamName, { ...folded, upToDate: false });
      return;
    }
    const { placements } = folded;
    const firstRevision = lastRevision - BigInt(events.length) + 1n;
    ids.forEach((id, index) => {
      const last = index === ids.length - 1;
      placements.set(id, { revision: firstRevision + BigInt(index), position: last ? lastPosition : undefined });
    });
    const state = events.reduce(aggregate.decider.evolve, folded.state);
    this.#cache.set(streamName, { state, revision: lastRevision, lastPosition, placements, upToDate: true });
  }
}

/** The first outcome of a command whose events the stream already holds, if it does. */
const earlierOutcome = (
  folded: FoldedStream<unknown>,
  command: DomainCommand,
  streamName: string,
): CommandResult | undefined => {
  const { commandId } = command.metadata;
  let last: EventPlacement | undefined;
  for (let index = 0; ; index++) {
    const placement = folded.placements.get(commandEventId(commandId, index));
    if (!placement) break;
    last = placement;
  }
  if (!last) return undefined;
  const position = last.position ?? folded.lastPosition ?? 0n;
  return { streamName, streamRevision: last.revision, position: positionToken(position), repeated: true };
};

const unchanged = (folded: FoldedStream<unknown>, streamName: string): CommandResult => ({
  streamName,
  streamRevision: folded.revision,
  position: positionToken(folded.lastPosition ?? 0n),
  repeated: false,
});
