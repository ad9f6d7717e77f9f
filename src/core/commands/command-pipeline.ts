import { type JSONType, jsonEvent, NO_STREAM, WrongExpectedVersionError } from '@eventstore/db-client';
import { backOff } from '../backoff.js';
import type { DomainCommand, DomainEvent } from '../decider.js';
import { ConcurrencyError } from '../errors.js';
import type { EventStoreClient } from '../eventstore/client.js';
import type { Aggregate } from './aggregate.js';
import type { AggregateCacheBounds, FoldedStream } from './aggregate-cache.js';
import { type BatchDecision, decideBatch, restsOnUncheckedState } from './batch-decision.js';
import { batchOutcomes, type CommandReceipt } from './batch-outcomes.js';
import { KeyedBatches } from './stream-batches.js';
import { StreamFolds } from './stream-folds.js';

export interface CommandPipelineOptions {
  /** Decide-and-append attempts before a conflict surfaces as ConcurrencyError. Default 10. */
  readonly maxAttempts?: number;
  /** How many folds are kept between commands. */
  readonly cache?: AggregateCacheBounds;
}

/** How much the pipeline holds now, for tests and diagnostics. */
export interface CommandPipelineSizes {
  /** Streams whose folds are cached. */
  readonly cachedStreams: number;
  /** Commands recorded in the cached folds. */
  readonly cachedCommands: number;
  /** Streams with commands waiting or in flight. */
  readonly queuedStreams: number;
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
  backOff({ initialMs: RETRY_BASE_DELAY_MS, maxMs: MAX_RETRY_DELAY_MS, jitter: 'full' }, attempt);

// biome-ignore lint/suspicious/noExplicitAny: a stream's queue holds commands of its aggregate, whatever its types.
type AnyAggregate = Aggregate<any, any, any>;

interface PendingCommand {
  readonly aggregate: AnyAggregate;
  readonly command: DomainCommand;
  readonly resolve: (result: CommandReceipt) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The one command pipeline: load the aggregate's stream, fold it, `decide`, append the new events
 * with the revision read as the expected revision. A version conflict (someone else wrote first)
 * means read what they wrote and decide again, up to `maxAttempts`, with jittered backoff from
 * the second retry on.
 *
 * Event ids derive from the command id and the command's digest, which its events' metadata
 * records too: the same command sent again is answered with its first outcome, a different
 * command under the same id is refused (`CommandIdReusedError`).
 *
 * Commands for one stream are handled by this process one batch at a time: those that arrive
 * while an append is in flight are decided together, each on the state the ones before it leave,
 * and appended in one append. Folds are cached between batches, and every answer is checked
 * against the stream's head: an append by its expected revision, a batch that appends nothing
 * by reading forward from its fold unless it was read just now. A busy aggregate thus costs one
 * append per batch, an idle one a single append per command, and a refusal at most one read.
 */
export class CommandPipeline {
  readonly #batches: KeyedBatches<PendingCommand>;
  readonly #folds: StreamFolds;
  readonly #maxAttempts: number;

  constructor(
    private readonly client: EventStoreClient,
    options: CommandPipelineOptions = {},
  ) {
    this.#folds = new StreamFolds(client, options.cache);
    this.#maxAttempts = options.maxAttempts ?? 10;
    this.#batches = new KeyedBatches(MAX_BATCH, (streamName, batch) => this.#handleBatch(streamName, batch));
  }

  get sizes(): CommandPipelineSizes {
    const { streams, commandsHeld } = this.#folds;
    return { cachedStreams: streams, cachedCommands: commandsHeld, queuedStreams: this.#batches.keys };
  }

  handle<Command extends DomainCommand, Event extends DomainEvent, State>(
    aggregate: Aggregate<Command, Event, State>,
    command: Command,
  ): Promise<CommandReceipt> {
    return new Promise((resolve, reject) =>
      this.#batches.add(aggregate.streamName(command), { aggregate, command, resolve, reject }),
    );
  }

  async #handleBatch(streamName: string, batch: readonly PendingCommand[]): Promise<void> {
    const aggregate = batch[0]!.aggregate;
    const commands = batch.map(({ command }) => command);
    try {
      for (let conflicts = 0, mustRead = false; ; ) {
        const { folded, readToHead } = await this.#folds.load(aggregate, streamName, mustRead);
        const decision = decideBatch(aggregate, folded, commands);
        if (!readToHead && restsOnUncheckedState(decision)) {
          // Nothing is appended, so no expected revision would find a stale fold out: read forward.
          mustRead = true;
          continue;
        }
        try {
          const written = decision.events.length === 0 ? undefined : await this.#append(streamName, folded, decision);
          const { answers, positions } = await batchOutcomes(this.client, streamName, folded, decision, written);
          this.#folds.remember(streamName, folded, decision, written, positions);
          batch.forEach((pending, index) => {
            const answer = answers[index]!;
            if ('error' in answer) pending.reject(answer.error);
            else pending.resolve(answer.result);
          });
          return;
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError)) throw error;
          this.#folds.afterConflict(streamName, folded, error.actualVersion);
          if (++conflicts >= this.#maxAttempts) throw new ConcurrencyError(streamName);
          if (conflicts > 1) await backoff(conflicts - 2);
        }
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
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
}
