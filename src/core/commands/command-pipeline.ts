import { type JSONType, jsonEvent, NO_STREAM, WrongExpectedVersionError } from '@eventstore/db-client';
import { backOff } from '../backoff.js';
import type { DomainCommand, DomainEvent } from '../decider.js';
import { ConcurrencyError } from '../errors.js';
import type { EventStoreClient } from '../eventstore/client.js';
import type { FoldLoad } from '../metrics/esgraph-metrics.js';
import { isRecorded, type Tracing } from '../tracing/tracing.js';
import type { Aggregate } from './aggregate.js';
import type { AggregateCacheBounds, FoldedStream } from './aggregate-cache.js';
import { type BatchDecision, decideBatch, restsOnUncheckedState } from './batch-decision.js';
import { batchOutcomes, type CommandReceipt } from './batch-outcomes.js';
import { stampCommandMetadata } from './command-metadata.js';
import type { BatchRun, CommandMiddleware, IssuedCommand, RequestIdentity } from './command-middleware.js';
import { MiddlewareChain, PendingCommand } from './middleware-chain.js';
import { KeyedBatches } from './stream-batches.js';
import { StreamFolds } from './stream-folds.js';

export interface CommandPipelineOptions {
  /** Decide-and-append attempts before a conflict surfaces as ConcurrencyError. Default 10. */
  readonly maxAttempts?: number;
  /** How many folds are kept between commands. */
  readonly cache?: AggregateCacheBounds;
  /**
   * Run around each command, in this order (see `CommandMiddleware`). Default: stamping alone,
   * `[stampCommandMetadata]`; a list given here must stamp too, or every command is refused.
   */
  readonly middleware?: readonly CommandMiddleware[];
  /** Told when a middleware's `after` throws (the command's outcome stands). Default: a process warning. */
  readonly onMiddlewareError?: (error: unknown, middleware: string) => void;
  /** Told how each stream batch had its fold: from the cache as it was, caught up, or read whole. */
  readonly onFoldLoad?: (result: FoldLoad) => void;
  /**
   * Spans for each stream batch's decide and append, children of its first command's span (whose
   * `traceparent` the tracing middleware stamped) and linked to the others'. Absent: no spans.
   */
  readonly tracing?: Tracing;
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

/** A step of a stream batch, in a span when tracing is on. */
type TracedStep = <T>(name: 'decide' | 'append', work: () => Promise<T>) => Promise<T>;
const untraced: TracedStep = (_name, work) => work();

/** Full jitter: a random wait up to an exponentially growing bound, so contenders spread out. */
const backoff = (attempt: number): Promise<void> =>
  backOff({ initialMs: RETRY_BASE_DELAY_MS, maxMs: MAX_RETRY_DELAY_MS, jitter: 'full' }, attempt);

const warnAfterError = (error: unknown, middleware: string): void =>
  process.emitWarning(`command middleware ${middleware} threw after a command: ${String(error)}`);

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
 *
 * Around each command runs the middleware list: every `before` ahead of the stream's queue,
 * every `after` once the command is settled (docs/ARCHITECTURE.md, "Command middleware").
 */
export class CommandPipeline {
  readonly #batches: KeyedBatches<PendingCommand>;
  readonly #folds: StreamFolds;
  readonly #maxAttempts: number;
  readonly #chain: MiddlewareChain;
  readonly #tracing: Tracing | undefined;

  constructor(
    private readonly client: EventStoreClient,
    options: CommandPipelineOptions = {},
  ) {
    this.#folds = new StreamFolds(client, options.cache, options.onFoldLoad);
    this.#maxAttempts = options.maxAttempts ?? 10;
    this.#tracing = options.tracing;
    this.#chain = new MiddlewareChain(
      options.middleware ?? [stampCommandMetadata],
      options.onMiddlewareError ?? warnAfterError,
    );
    this.#batches = new KeyedBatches(MAX_BATCH, (streamName, batch) => this.#handleBatch(streamName, batch));
  }

  get sizes(): CommandPipelineSizes {
    const { streams, commandsHeld } = this.#folds;
    return { cachedStreams: streams, cachedCommands: commandsHeld, queuedStreams: this.#batches.keys };
  }

  /**
   * Runs an issued command through the middleware (which stamp its metadata from `request`),
   * then decides and appends it on its stream; its receipt, or the error it was refused with.
   */
  handle<Command extends DomainCommand, Event extends DomainEvent, State>(
    aggregate: Aggregate<Command, Event, State>,
    command: IssuedCommand<Command>,
    request: RequestIdentity,
  ): Promise<CommandReceipt> {
    const receivedAt = this.#chain.observed ? performance.now() : 0;
    return new Promise((resolve, reject) =>
      this.#chain.enter(new PendingCommand(aggregate, command, request, resolve, reject, receivedAt), this.#join),
    );
  }

  /** Where a command goes once every `before` has run: its stream's queue. */
  readonly #join = (pending: PendingCommand): void => {
    try {
      // The last moment a command can be dropped cleanly: after this it may be appended, and a
      // command abandoned midway could land unseen. So an operation stopped by its deadline or
      // its client's leaving starts no new command, and finishes the ones already queued.
      pending.request.signal?.throwIfAborted();
      if (pending.metadata?.commandId === undefined) {
        throw new Error('no command middleware stamped this command: the list must include stampCommandMetadata');
      }
      this.#batches.add(pending.aggregate.streamName(pending), pending);
    } catch (error) {
      this.#chain.reject(pending, error);
    }
  };

  async #handleBatch(streamName: string, batch: readonly PendingCommand[]): Promise<void> {
    const aggregate = batch[0]!.aggregate;
    // Timings only when some middleware's `after` will read them.
    const observed = this.#chain.observed;
    const startedAt = observed ? performance.now() : 0;
    let appendStartedAt: number | undefined;
    let conflicts = 0;
    const run = (attempts: number): BatchRun | undefined =>
      observed ? { size: batch.length, attempts, startedAt, appendStartedAt } : undefined;
    const traced = this.#tracing === undefined ? untraced : this.#batchSpans(this.#tracing, streamName, batch);
    try {
      for (let mustRead = false; ; ) {
        const { folded, readToHead, decision } = await traced('decide', async () => {
          const loaded = await this.#folds.load(aggregate, streamName, mustRead);
          return { ...loaded, decision: decideBatch(aggregate, loaded.folded, batch) };
        });
        if (!readToHead && restsOnUncheckedState(decision)) {
          // Nothing is appended, so no expected revision would find a stale fold out: read forward.
          mustRead = true;
          continue;
        }
        try {
          if (observed) appendStartedAt = decision.events.length === 0 ? undefined : performance.now();
          const written =
            decision.events.length === 0
              ? undefined
              : await traced('append', () => this.#append(streamName, folded, decision));
          const { answers, positions } = await batchOutcomes(this.client, streamName, folded, decision, written);
          this.#folds.remember(streamName, folded, decision, written, positions);
          const batchRun = run(conflicts + 1);
          batch.forEach((pending, index) => {
            const answer = answers[index]!;
            if ('error' in answer) this.#chain.reject(pending, answer.error, batchRun);
            else this.#chain.resolve(pending, answer.result, batchRun);
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
      // A ConcurrencyError comes after `conflicts` attempts; anything else failed the one after them.
      const batchRun = run(error instanceof ConcurrencyError ? conflicts : conflicts + 1);
      for (const pending of batch) this.#chain.reject(pending, error, batchRun);
    }
  }

  /**
   * Runs a step of a stream batch in a span of its own: a child of the first recorded command's
   * span (else the first's), linked to the others' (a batch decides many commands at once), so a
   * sampled request's trace has its decide and append whichever place it took in the batch.
   */
  #batchSpans(tracing: Tracing, streamName: string, batch: readonly PendingCommand[]): TracedStep {
    const contexts = batch.map((pending) => tracing.commandContext(pending, pending.metadata));
    // A batch of commands no one records (most, at the default 1%) has no decide or append span.
    if (!contexts.some((context) => tracing.mayRecordUnder(context))) return untraced;
    const lead = Math.max(0, contexts.findIndex(isRecorded));
    const parent = contexts[lead]!;
    const attributes = { 'esgraph.stream': streamName, 'esgraph.batch.size': batch.length };
    const others = batch.filter((_, index) => index !== lead);
    const options =
      others.length > 0
        ? { attributes, links: tracing.linksFrom(others, (pending) => pending.metadata) }
        : { attributes };
    return (name, work) => tracing.aroundSpan(name, options, parent, work);
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
