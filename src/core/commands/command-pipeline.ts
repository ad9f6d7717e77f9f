import { type JSONType, jsonEvent, NO_STREAM, WrongExpectedVersionError } from '@eventstore/db-client';
import type { DomainCommand, DomainEvent } from '../decider.js';
import { ConcurrencyError } from '../errors.js';
import type { EventStoreClient } from '../eventstore/client.js';
import { type PositionToken, positionToken } from '../eventstore/positions.js';
import { readStoredEvents } from '../eventstore/read-stream.js';
import type { Aggregate } from './aggregate.js';
import { AggregateCache, type FoldedStream } from './aggregate-cache.js';
import { type BatchDecision, decideBatch } from './batch-decision.js';
import { KeyedBatches } from './stream-batches.js';

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
}

/**
 * Upper bound of the random delay before the second retry, doubled per retry up to 250 ms. The
 * first retry goes at once: its usual cause is a cached fold gone stale, not a live race.
 */
const RETRY_BASE_DELAY_MS = 5;
const MAX_RETRY_DELAY_MS = 250;
/** Commands for one stream decided and appended together at most. */
const MAX_BATCH = 64;

/** Full jitter: a random wait up to an exponentially growing bound, so contenders spread out. */
const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) =>
    setTimeout(resolve, Math.random() * Math.min(MAX_RETRY_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** attempt)),
  );

// biome-ignore lint/suspicious/noExplicitAny: a stream's queue holds commands of its aggregate, whatever its types.
type AnyAggregate = Aggregate<any, any, any>;

interface PendingCommand {
  readonly aggregate: AnyAggregate;
  readonly command: DomainCommand;
  readonly resolve: (result: CommandResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The one command pipeline: load the aggregate's stream, fold it, `decide`, append the new events
 * with the revision read as the expected revision. A version conflict (someone else wrote first)
 * means read what they wrote and decide again, up to `maxAttempts`, with jittered backoff from
 * the second retry on.
 *
 * Event ids derive from the command id, so a retried command is recognised: its ids are already
 * in the stream, and the first outcome is returned instead of deciding again.
 *
 * Commands for one stream are handled by this process one batch at a time: those that arrive
 * while an append is in flight are decided together, each on the state the ones before it leave,
 * and appended in one append. Folds are cached between batches. A busy aggregate thus costs one
 * append per batch, and an idle one a single append per command, never a read of its history.
 */
export class CommandPipeline {
  readonly #batches: KeyedBatches<PendingCommand>;
  readonly #cache: AggregateCache;
  readonly #maxAttempts: number;

  constructor(
    private readonly client: EventStoreClient,
    options: CommandPipelineOptions = {},
  ) {
    this.#cache = new AggregateCache();
    this.#maxAttempts = options.maxAttempts ?? 10;
    this.#batches = new KeyedBatches(MAX_BATCH, (streamName, batch) => this.#handleBatch(streamName, batch));
  }

  handle<Command extends DomainCommand, Event extends DomainEvent, State>(
    aggregate: Aggregate<Command, Event, State>,
    command: Command,
  ): Promise<CommandResult> {
    return new Promise((resolve, reject) =>
      this.#batches.add(aggregate.streamName(command), { aggregate, command, resolve, reject }),
    );
  }

  async #handleBatch(streamName: string, batch: readonly PendingCommand[]): Promise<void> {
    const aggregate = batch[0]!.aggregate;
    try {
      for (let attempt = 0; ; attempt++) {
        const folded = await this.#load(aggregate, streamName);
        const decision = decideBatch(
          aggregate,
          folded,
          batch.map(({ command }) => command),
        );
        try {
          const written = decision.events.length === 0 ? undefined : await this.#append(streamName, folded, decision);
          const outcomes = await this.#outcomes(streamName, folded, decision, written);
          this.#remember(streamName, folded, decision, written, outcomes.positions);
          batch.forEach((pending, index) => {
            const outcome = outcomes.results[index]!;
            if ('error' in outcome) pending.reject(outcome.error);
            else pending.resolve(outcome.result);
          });
          return;
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError)) throw error;
          this.#afterConflict(streamName, folded, error.actualVersion);
          if (attempt + 1 >= this.#maxAttempts) throw new ConcurrencyError(streamName);
          if (attempt > 0) await backoff(attempt - 1);
        }
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  /**
   * Someone else appended to the stream first. Streams only grow, so the fold is still a faithful
   * copy of its first events: the next attempt reads only what came after it, not the whole
   * history. A stream that is not ahead of the fold (deleted, say) is read again from the start.
   */
  #afterConflict(streamName: string, folded: FoldedStream<unknown>, actualRevision: bigint | 'no_stream'): void {
    if (typeof actualRevision === 'bigint' && actualRevision > folded.revision) {
      this.#cache.set(streamName, { ...folded, upToDate: false });
    } else {
      this.#cache.delete(streamName);
    }
  }

  /** The cached fold, brought up to date with whatever the stream holds beyond it. */
  async #load(aggregate: AnyAggregate, streamName: string): Promise<FoldedStream<unknown>> {
    const cached = this.#cache.get<unknown>(streamName);
    if (cached?.upToDate) return cached;
    const start: FoldedStream<unknown> = cached ?? {
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

  /** Appends every accepted command's events in one append; where the last landed. */
  async #append(streamName: string, folded: FoldedStream<unknown>, decision: BatchDecision): Promise<bigint> {
    const result = await this.client.appendToStream(
      streamName,
      decision.events.map(({ event, id, metadata }) =>
        // Domain event data is JSON-safe by contract (see DomainEvent).
        jsonEvent({ id, type: event.type, data: event.data as JSONType, metadata }),
      ),
      { expectedRevision: folded.revision < 0n ? NO_STREAM : folded.revision },
    );
    return result.position?.commit ?? 0n;
  }

  /**
   * Each command's outcome once the batch's events are stored. The append reports only where its
   * last event landed; when several commands shared it, the positions of the others are read back,
   * so every command answers exactly where its own last event sits.
   */
  async #outcomes(
    streamName: string,
    folded: FoldedStream<unknown>,
    decision: BatchDecision,
    lastPosition: bigint | undefined,
  ) {
    const positions = new Map<string, bigint>();
    const last = decision.events.at(-1);
    if (last && lastPosition !== undefined) positions.set(last.id, lastPosition);
    if (decision.appendingCommands > 1) {
      const stored = await readStoredEvents(this.client, streamName, folded.revision + 1n);
      for (const event of stored) positions.set(event.id, event.position);
    }
    const firstRevision = folded.revision + 1n;
    const at = (eventIndex: number): bigint =>
      eventIndex < 0
        ? (folded.lastPosition ?? 0n)
        : (positions.get(decision.events[eventIndex]!.id) ?? lastPosition ?? 0n);
    const written = (eventIndex: number): CommandResult => ({
      streamName,
      streamRevision: eventIndex < 0 ? folded.revision : firstRevision + BigInt(eventIndex),
      position: positionToken(at(eventIndex)),
      repeated: false,
    });
    const results = decision.outcomes.map((outcome): { result: CommandResult } | { error: unknown } => {
      switch (outcome.kind) {
        case 'refused':
          return { error: outcome.error };
        case 'repeated':
          return { result: { ...outcome.result, streamName } };
        case 'appended':
          return { result: written(outcome.lastEvent) };
        default:
          // Nothing new: the stream as the commands before it in the batch left it.
          return { result: written(outcome.afterEvent) };
      }
    });
    return { results, positions };
  }

  /**
   * Folds the batch's own events into the cache, saving the next batch a read. Not when a client
   * chose a command id in it: a copy of that command may have landed first (elsewhere) with
   * slightly different data (another `now`), and the store's idempotency answered for it; the
   * next batch then reads the stream to see exactly what was stored.
   */
  #remember(
    streamName: string,
    folded: FoldedStream<unknown>,
    decision: BatchDecision,
    lastPosition: bigint | undefined,
    positions: ReadonlyMap<string, bigint>,
  ): void {
    if (decision.events.length === 0) return;
    if (decision.anyFromClient) {
      this.#cache.set(streamName, { ...folded, upToDate: false });
      return;
    }
    const { placements } = folded;
    decision.events.forEach(({ id }, index) => {
      placements.set(id, { revision: folded.revision + 1n + BigInt(index), position: positions.get(id) });
    });
    const revision = folded.revision + BigInt(decision.events.length);
    this.#cache.set(streamName, { state: decision.state, revision, lastPosition, placements, upToDate: true });
  }
}
