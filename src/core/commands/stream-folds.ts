import type { EventStoreClient } from '../eventstore/client.js';
import type { EventEnvelope } from '../eventstore/event-envelope.js';
import { readEventEnvelopes } from '../eventstore/read-stream.js';
import type { FoldLoad } from '../metrics/esgraph-metrics.js';
import type { Aggregate } from './aggregate.js';
import { AggregateCache, type AggregateCacheBounds, type CommandRecord, type FoldedStream } from './aggregate-cache.js';
import type { BatchDecision } from './batch-decision.js';

// biome-ignore lint/suspicious/noExplicitAny: folds of every aggregate share one cache.
type AnyAggregate = Aggregate<any, any, any>;

/** A fold ready to decide on, and whether it was read up to the stream's head just now. */
export interface LoadedFold {
  readonly folded: FoldedStream<unknown>;
  /** True when this load read the stream forward to its end; false when it came from the cache unread. */
  readonly readToHead: boolean;
}

const commandRecordOf = (stored: EventEnvelope): [string, CommandRecord] | undefined => {
  const { commandId, commandDigest } = stored.metadata;
  if (typeof commandId !== 'string') return undefined;
  const digest = typeof commandDigest === 'string' ? commandDigest : undefined;
  return [commandId, { revision: stored.revision, position: stored.position, digest }];
};

/**
 * The command pipeline's folds of streams: kept in a bounded cache between batches, caught up by
 * reading only the events after the revision folded, and advanced by a batch's own append
 * without reading it back.
 */
export class StreamFolds {
  readonly #cache: AggregateCache;

  constructor(
    private readonly client: EventStoreClient,
    bounds: AggregateCacheBounds = {},
    /** Told how each load was had (metrics: the cache's hit rate). */
    private readonly onLoad?: (result: FoldLoad) => void,
  ) {
    this.#cache = new AggregateCache(bounds);
  }

  /** Streams whose folds are held now. */
  get streams(): number {
    return this.#cache.streams;
  }

  /** Commands recorded over the folds held. */
  get commandsHeld(): number {
    return this.#cache.commandsHeld;
  }

  /**
   * The stream's fold: the cached one as it is when it is believed current and `mustRead` is
   * false, else brought up to date with whatever the stream holds beyond it.
   */
  async load(aggregate: AnyAggregate, streamName: string, mustRead: boolean): Promise<LoadedFold> {
    const cached = this.#cache.get<unknown>(streamName);
    if (cached?.upToDate && !mustRead) {
      this.onLoad?.('hit');
      return { folded: cached, readToHead: false };
    }
    this.onLoad?.(cached === undefined ? 'miss' : 'caught_up');
    const start: FoldedStream<unknown> = cached ?? {
      state: aggregate.decider.initialState,
      revision: -1n,
      lastPosition: undefined,
      commands: new Map(),
      upToDate: false,
    };
    const newer = await readEventEnvelopes(this.client, streamName, start.revision + 1n);
    let { state, revision, lastPosition } = start;
    const { commands } = start;
    for (const stored of newer) {
      const event = aggregate.events.decode(stored);
      if (event) state = aggregate.decider.evolve(state, event);
      revision = stored.revision;
      lastPosition = stored.position;
      const record = commandRecordOf(stored);
      if (record) commands.set(...record);
    }
    const folded = { state, revision, lastPosition, commands, upToDate: true };
    this.#cache.set(streamName, folded);
    return { folded, readToHead: true };
  }

  /**
   * Someone else appended to the stream first. Streams only grow, so the fold is still a faithful
   * copy of its first events: the next load reads only what came after it, not the whole
   * history. A stream that is not ahead of the fold (deleted, say) is read again from the start.
   */
  afterConflict(streamName: string, folded: FoldedStream<unknown>, actualRevision: bigint | 'no_stream'): void {
    if (typeof actualRevision === 'bigint' && actualRevision > folded.revision) {
      this.#cache.set(streamName, { ...folded, upToDate: false });
    } else {
      this.#cache.delete(streamName);
    }
  }

  /**
   * Folds the batch's own events into the cache, saving the next batch a read. Not when a client
   * chose a command id in it: a copy of that command may have landed first (elsewhere) with
   * slightly different data (another `now`), and the store's idempotency answered for it; the
   * next batch then reads the stream to see exactly what was stored.
   */
  remember(
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
    const { commands } = folded;
    decision.events.forEach(({ id, commandId, digest }, index) => {
      // A command's later events overwrite its earlier ones: the record is of its last event,
      // whose position the outcomes always know.
      const position = positions.get(id) ?? lastPosition ?? 0n;
      commands.set(commandId, { revision: folded.revision + 1n + BigInt(index), position, digest });
    });
    const revision = folded.revision + BigInt(decision.events.length);
    this.#cache.set(streamName, { state: decision.state, revision, lastPosition, commands, upToDate: true });
  }
}
