import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { LabelChildren } from './label-children.js';
import { type ScrapeSources, watchAtScrape } from './scrape-gauges.js';
import { TalliedCounter, TalliedHistogram } from './tallies.js';

/*
 * Every metric esgraph exports, on a registry of its own (tests run several servers in one
 * process; the global registry would mix them). The README's Metrics table lists each name, type
 * and label: a change here changes that table. Labels are bounded by construction: operation
 * names through `OperationNames`, the rest by code (command types, error codes, projection names,
 * subscription fields); no id ever becomes a label.
 */

/** Seconds, from a millisecond up: queries, commands and commits all land within it. */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const attemptBuckets = [1, 2, 3, 5, 10];
const batchSizeBuckets = [1, 2, 5, 10, 50, 100, 500, 1000, 2000];

/** What a read of the log is: a read model's projection, or a process manager. */
export type RunnerKind = 'read_model' | 'process_manager';

/** How a command's fold was had: the cache as it was, the cache caught up, or read from the start. */
export type FoldLoad = 'hit' | 'caught_up' | 'miss';

/** How a `consistentWith` wait ended. */
export type ConsistencyWaitOutcome = 'reached' | 'timeout' | 'unavailable';

/** The instruments of one esgraph process, and the registry `/metrics` answers from. */
export class EsgraphMetrics {
  readonly registry = new Registry();

  readonly #operationCounter = new TalliedCounter({
    name: 'esgraph_graphql_operations_total',
    help: 'GraphQL operations finished, by name, type and outcome (ok, or the error code the client got)',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registry: this.registry,
  });
  readonly #operationHistogram = new TalliedHistogram({
    name: 'esgraph_graphql_operation_duration_seconds',
    help: 'GraphQL operations, from their start to their answer, by name, type and outcome',
    labelNames: ['operation', 'type', 'outcome'] as const,
    buckets: latencyBuckets,
    registry: this.registry,
  });

  readonly #commands = new TalliedCounter({
    name: 'esgraph_commands_total',
    help: 'Commands settled, by type and outcome: ok, the error code, or conflict when every attempt lost its race',
    labelNames: ['command', 'outcome'] as const,
    registry: this.registry,
  });
  readonly #commandDuration = new TalliedHistogram({
    name: 'esgraph_command_duration_seconds',
    help: 'Commands from the pipeline receiving them to their outcome, middleware and queueing included',
    labelNames: ['command'] as const,
    buckets: latencyBuckets,
    registry: this.registry,
  });
  readonly #append = new TalliedHistogram({
    name: 'esgraph_command_append_duration_seconds',
    help: "A command's last append to the event store, from its start to the command's outcome",
    labelNames: ['command'] as const,
    buckets: latencyBuckets,
    registry: this.registry,
  });
  readonly #attempts = new TalliedHistogram({
    name: 'esgraph_command_attempts',
    help: "Decide-and-append attempts of a command's stream batch: 1, plus one per race lost to another writer",
    labelNames: ['command'] as const,
    buckets: attemptBuckets,
    registry: this.registry,
  });
  /** An operation's two series, found with one lookup (each is three map reads). */
  readonly #operationSeries = new LabelChildren((operation, type, outcome) => ({
    count: this.#operationCounter.child(operation, type, outcome),
    duration: this.#operationHistogram.child(operation, type, outcome),
  }));
  /** A command type's histograms, found with one lookup; its count goes by outcome too. */
  readonly #commandSeries = new LabelChildren((command) => ({
    duration: this.#commandDuration.child(command),
    attempts: this.#attempts.child(command),
    append: this.#append.child(command),
  }));
  readonly #foldLoads = new TalliedCounter({
    name: 'esgraph_fold_cache_lookups_total',
    help: "How a stream batch had its stream's fold: hit (the cache, unread), caught_up (the cache and the events after it), miss (read from the start)",
    labelNames: ['result'] as const,
    registry: this.registry,
  });

  readonly #batchSize = new TalliedHistogram({
    name: 'esgraph_projection_batch_size',
    help: 'Events a read model or process manager applied in one batch (one commit, for a read model)',
    labelNames: ['name', 'kind'] as const,
    buckets: batchSizeBuckets,
    registry: this.registry,
  });
  readonly #batchDuration = new TalliedHistogram({
    name: 'esgraph_projection_commit_duration_seconds',
    help: "A batch from its handlers to its commit's answer (a read model), or until its reaction window took it all (a process manager)",
    labelNames: ['name', 'kind'] as const,
    buckets: latencyBuckets,
    registry: this.registry,
  });

  readonly #subscriptionsOpen = new Gauge({
    name: 'esgraph_subscriptions_open',
    help: 'GraphQL subscriptions running now, by root field',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });
  readonly #openChildren = new LabelChildren((field) => this.#subscriptionsOpen.labels(field));
  readonly #messages = new TalliedCounter({
    name: 'esgraph_subscription_messages_total',
    help: 'Messages pushed to subscribers, by root field',
    labelNames: ['field'] as const,
    registry: this.registry,
  });

  readonly #waits = new TalliedCounter({
    name: 'esgraph_consistency_waits_total',
    help: 'consistentWith waits, by how they ended: reached, timeout (CONSISTENCY_TIMEOUT), unavailable (Redis lost)',
    labelNames: ['outcome'] as const,
    registry: this.registry,
  });
  readonly #waitDuration = new TalliedHistogram({
    name: 'esgraph_consistency_wait_duration_seconds',
    help: 'How long consistentWith waits took, whatever their outcome',
    buckets: latencyBuckets,
    registry: this.registry,
  });

  constructor() {
    // Node's own: CPU, memory, event-loop lag, GC, handles. Standard names, so standard dashboards read them.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Prometheus' text format, as `/metrics` answers. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Reads projection progress and connection state each time metrics are scraped (and only then). */
  watch(sources: ScrapeSources): void {
    watchAtScrape(this.registry, sources);
  }

  operation(operation: string, type: string, outcome: string, seconds: number): void {
    const series = this.#operationSeries.get(operation, type, outcome);
    series.count.inc();
    series.duration.observe(seconds);
  }

  /** One settled command; `attempts` and `appendSeconds` are undefined when it reached no stream batch or no append. */
  command(
    command: string,
    outcome: string,
    seconds: number,
    attempts: number | undefined,
    appendSeconds: number | undefined,
  ): void {
    this.#commands.child(command, outcome).inc();
    const series = this.#commandSeries.get(command);
    series.duration.observe(seconds);
    if (attempts !== undefined) series.attempts.observe(attempts);
    if (appendSeconds !== undefined) series.append.observe(appendSeconds);
  }

  foldLoaded(result: FoldLoad): void {
    this.#foldLoads.child(result).inc();
  }

  batch(name: string, kind: RunnerKind, events: number, seconds: number): void {
    this.#batchSize.child(name, kind).observe(events);
    this.#batchDuration.child(name, kind).observe(seconds);
  }

  subscriptionOpened(field: string): void {
    this.#openChildren.get(field).inc();
  }

  subscriptionClosed(field: string): void {
    this.#openChildren.get(field).dec();
  }

  messagePushed(field: string): void {
    this.#messages.child(field).inc();
  }

  consistencyWait(outcome: ConsistencyWaitOutcome, seconds: number): void {
    this.#waits.child(outcome).inc();
    this.#waitDuration.child().observe(seconds);
  }
}
