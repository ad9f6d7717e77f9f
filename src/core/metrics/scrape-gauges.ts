import { Gauge, type Registry } from 'prom-client';
import type { RunnerKind } from './esgraph-metrics.js';

/** One projection's or process manager's progress, as the `projections` report gives it. */
export interface RunnerProgress {
  readonly name: string;
  readonly kind: RunnerKind;
  readonly checkpoint: bigint | undefined;
  readonly lagEvents: number;
  readonly lagMs: number;
  readonly parked: number;
}

/** What is read when metrics are scraped: nothing of it is kept up to date between scrapes. */
export interface ScrapeSources {
  /** Every projection's and process manager's progress (reads Redis and the log's head). */
  readonly runners: () => Promise<readonly RunnerProgress[]>;
  /** Whether each Redis connection is ready now, by name (`commands`, `subscriber`). */
  readonly redis: () => Readonly<Record<string, boolean>>;
  /** Whether the event store answers a read now (bounded; false when it does not in time). */
  readonly eventStore: () => Promise<boolean>;
}

/** A scrape reads four runner gauges; they share one report rather than making four. */
const sharedWhileRunning = <T>(read: () => Promise<T>): (() => Promise<T>) => {
  let running: Promise<T> | undefined;
  return () => {
    running ??= read().finally(() => {
      // Kept until the scrape's other gauges have had it: they are collected in the same turn or the next.
      setImmediate(() => {
        running = undefined;
      });
    });
    return running;
  };
};

/**
 * Gauges whose values are read at scrape time (prom-client's `collect`): runner progress and
 * connection state. A report that fails leaves the runner gauges empty for that scrape rather
 * than failing the whole scrape; Prometheus then shows the series as absent.
 */
export const watchAtScrape = (registry: Registry, sources: ScrapeSources): void => {
  const runners = sharedWhileRunning(() => sources.runners().catch(() => [] as readonly RunnerProgress[]));
  const runnerGauge = (name: string, help: string, value: (runner: RunnerProgress) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['name', 'kind'] as const,
      registers: [registry],
      async collect() {
        const progress = await runners();
        this.reset();
        for (const runner of progress) {
          const measured = value(runner);
          if (measured !== undefined) this.labels(runner.name, runner.kind).set(measured);
        }
      },
    });
  runnerGauge(
    'esgraph_projection_checkpoint',
    'The last $all commit position applied (the active build, for a read model)',
    (runner) => (runner.checkpoint === undefined ? undefined : Number(runner.checkpoint)),
  );
  runnerGauge(
    'esgraph_projection_lag_events',
    'Events it reacts to past its checkpoint, counted up to 10,000',
    (runner) => runner.lagEvents,
  );
  runnerGauge(
    'esgraph_projection_lag_seconds',
    'How long ago the oldest event not yet applied was written; 0 when none waits',
    (runner) => runner.lagMs / 1000,
  );
  runnerGauge('esgraph_projection_parked_events', 'Events parked for an operator', (runner) => runner.parked);
  new Gauge({
    name: 'esgraph_redis_connected',
    help: 'Whether a Redis connection is ready (1) or not (0), by connection',
    labelNames: ['connection'] as const,
    registers: [registry],
    collect() {
      for (const [connection, ready] of Object.entries(sources.redis())) this.labels(connection).set(ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'esgraph_eventstore_connected',
    help: 'Whether the event store answered a read of the head of $all within a second (1) or not (0)',
    registers: [registry],
    async collect() {
      this.set((await sources.eventStore()) ? 1 : 0);
    },
  });
};
