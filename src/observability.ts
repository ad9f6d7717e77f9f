import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from './config.js';
import { type EventStoreClient, probeEventStore } from './core/eventstore/client.js';
import type { Logger } from './core/logger.js';
import { EsgraphMetrics } from './core/metrics/esgraph-metrics.js';
import { OperationNames } from './core/metrics/operation-names.js';
import type { RunnerProgress } from './core/metrics/scrape-gauges.js';
import type { SubscriberHub } from './core/pubsub/subscriber-hub.js';
import type { RedisClient } from './core/redis/client.js';
import { startTracing } from './core/tracing/tracer-provider.js';
import type { Tracing } from './core/tracing/tracing.js';
import { packageVersion } from './package-version.js';
import { type MetricsAccess, type RunningMetricsServer, startMetricsServer } from './server/metrics-endpoint.js';
import { OperationRecorder } from './server/operation-record.js';
import { trustedOperationNames } from './server/persisted-queries/manifest.js';
import type { ServedEndpoint } from './start-banner.js';

/*
 * What esgraph keeps for watching itself, made from configuration in one place: the metrics
 * (every instrument, or none with METRICS=off), the tracing, the operation recorder (request log
 * and operation histogram) and where Prometheus reads /metrics. app.ts hands `metrics` and
 * `tracing` on to each seam that is observed; what exists only to observe lives here.
 */

/** A runner's line of the `projections` report, before it is told which kind of runner it is. */
type RunnerReport = Omit<RunnerProgress, 'kind'>;

/** What a scrape reads at the moment it comes (section 16, scrape-gauges.ts). */
export interface ObservedParts {
  /** The `projections` report, the same one the GraphQL query answers with. */
  readonly projections: () => Promise<{
    readonly projections: readonly RunnerReport[];
    readonly processManagers: readonly RunnerReport[];
  }>;
  readonly redis: RedisClient;
  readonly hub: SubscriberHub;
  readonly eventStore: EventStoreClient;
}

/** What the HTTP server records and traces each operation with, and whether it serves /metrics. */
export interface ObservedHttpServer {
  readonly recorder: OperationRecorder;
  readonly tracing?: Tracing;
  readonly metrics?: MetricsAccess;
}

export interface Observability {
  /** Undefined with METRICS=off: then nothing is timed or counted. */
  readonly metrics: EsgraphMetrics | undefined;
  /** Undefined when tracing is off: then no span is made. */
  readonly tracing: Tracing | undefined;
  /** Exports the spans still pending, then stops; absent when tracing is off. */
  readonly stopTracing?: () => Promise<void>;
  /** Has each scrape read runner progress and connection state from these (nothing when metrics are off). */
  watch(parts: ObservedParts): void;
  /**
   * Builds the operation recorder, so call it once, where the HTTP server is started: the trusted
   * documents' names are parsed then, after the dependencies answered, as they always were.
   */
  httpServer(): ObservedHttpServer;
  /** `/metrics` on a port of its own when configured; says so when metrics are kept but shown nowhere. */
  serveMetrics(): Promise<RunningMetricsServer | undefined>;
  /** Where the start banner says Prometheus reads metrics, when they are served at all. */
  endpoints(graphqlUrl: string, ownPort: number | undefined): ServedEndpoint[];
}

/** What processors handed in without tracing configured see: every span (tests look at them all). */
const everySpan = { serviceName: 'esgraph', exportOtlp: false, sampling: { sampler: 'always_on', ratio: 1 } } as const;

/** The process's tracing, when configured or when processors are handed in; undefined: off. */
const tracingFor = (config: Config, processors: readonly SpanProcessor[] | undefined) => {
  const tracing = config.tracing ?? (processors ? everySpan : undefined);
  if (tracing === undefined) return undefined;
  return startTracing({ ...tracing, serviceVersion: packageVersion(), processors: processors ?? [] });
};

const serveMetrics = async (config: Config, metrics: EsgraphMetrics | undefined, log: Logger) => {
  if (!metrics || !config.metrics) return undefined;
  const { port, token, onApiPort } = config.metrics;
  if (port === undefined) {
    if (!onApiPort) log.warn('metrics are not served: set METRICS_PORT or METRICS_TOKEN to let Prometheus read them');
    return undefined;
  }
  const started = await startMetricsServer({
    host: config.host,
    port,
    hosts: config.allowedHosts,
    metrics,
    token,
    log,
  });
  log.info({ host: config.host, port: started.port }, 'metrics listening');
  return started;
};

const metricsEndpoint = (config: Config, graphqlUrl: string, ownPort: number | undefined): ServedEndpoint[] => {
  if (!config.metrics) return [];
  const note = config.metrics.token === undefined ? 'Prometheus' : 'Prometheus, bearer METRICS_TOKEN';
  if (ownPort !== undefined) return [{ label: 'Metrics', url: `http://${config.host}:${ownPort}/metrics`, note }];
  return config.metrics.onApiPort
    ? [{ label: 'Metrics', url: graphqlUrl.replace(/\/graphql$/, '/metrics'), note }]
    : [];
};

/** Operation names are the client's: bounded, and in trusted mode only the listed documents' names. */
const operationNamesFor = (config: Config): OperationNames =>
  config.trustedDocuments
    ? new OperationNames(0, trustedOperationNames(config.trustedDocuments))
    : new OperationNames(config.metrics?.operationNames ?? 0);

const watchParts = (metrics: EsgraphMetrics, { projections, redis, hub, eventStore }: ObservedParts): void =>
  metrics.watch({
    runners: async () => {
      const reports = await projections();
      const progress =
        (kind: RunnerProgress['kind']) =>
        (report: RunnerReport): RunnerProgress => ({ ...report, kind });
      return [
        ...reports.projections.map(progress('read_model')),
        ...reports.processManagers.map(progress('process_manager')),
      ];
    },
    redis: () => ({ commands: redis.isReady, subscriber: hub.connected }),
    eventStore: () =>
      probeEventStore(eventStore).then(
        () => true,
        () => false,
      ),
  });

/**
 * Makes the metrics and starts the tracing, as configured. `spanProcessors` are besides OTLP's;
 * given, tracing is on even without `TRACING`.
 */
export const startObservability = (
  config: Config,
  log: Logger,
  spanProcessors: readonly SpanProcessor[] | undefined,
): Observability => {
  const metrics = config.metrics ? new EsgraphMetrics() : undefined;
  const traced = tracingFor(config, spanProcessors);
  const tracing = traced?.tracing;
  return {
    metrics,
    tracing,
    ...(traced ? { stopTracing: traced.shutdown } : {}),
    watch: (parts) => {
      if (metrics) watchParts(metrics, parts);
    },
    httpServer: () => ({
      recorder: new OperationRecorder(config.requestLog ? log : undefined, metrics, operationNamesFor(config)),
      ...(tracing ? { tracing } : {}),
      ...(metrics && config.metrics?.onApiPort ? { metrics: { metrics, token: config.metrics.token } } : {}),
    }),
    serveMetrics: () => serveMetrics(config, metrics, log),
    endpoints: (graphqlUrl, ownPort) => metricsEndpoint(config, graphqlUrl, ownPort),
  };
};
