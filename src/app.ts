import 'reflect-metadata';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from './config.js';
import type { AccessPolicy } from './core/access.js';
import { commandAccess } from './core/commands/command-access.js';
import { stampCommandMetadata } from './core/commands/command-metadata.js';
import { commandMetrics } from './core/commands/command-metrics.js';
import type { CommandMiddleware } from './core/commands/command-middleware.js';
import { CommandPipeline } from './core/commands/command-pipeline.js';
import { commandTracing } from './core/commands/command-tracing.js';
import { ServiceUnavailableError } from './core/errors.js';
import { awaitEventStore, connectEventStore, probeEventStore } from './core/eventstore/client.js';
import type { Logger } from './core/logger.js';
import { reportProcessManagers } from './core/process-managers/process-manager-report.js';
import { ProcessManagers } from './core/process-managers/process-managers.js';
import { PositionWaiter } from './core/projections/position-waiter.js';
import { ReadModels } from './core/projections/read-models.js';
import { reportProjections } from './core/projections/runner/projection-report.js';
import { Projector } from './core/projections/runner/projector.js';
import { SubscriberHub } from './core/pubsub/subscriber-hub.js';
import { closeRedisClient, connectRedis } from './core/redis/client.js';
import {
  createDomainServices,
  domainAccessPolicies,
  domainProcessManagers,
  domainProjections,
} from './domains/index.js';
import { guardSchema } from './graphql/access/access-guard.js';
import { serverAccessPolicy } from './graphql/access/server-policy.js';
import { createContext, type ServerIdentity } from './graphql/context.js';
import { createErrorFormatter } from './graphql/errors.js';
import { refuseUnservedOperation } from './graphql/role-guard.js';
import { buildEsgraphSchema } from './graphql/schema.js';
import { cachingVerifiedTokens, createTokenVerifier, type DevelopmentToken } from './identity/index.js';
import { startObservability } from './observability.js';
import { packageVersion } from './package-version.js';
import { clientAddressOf } from './server/client-address.js';
import type { LivenessCheck } from './server/health.js';
import { type ServedPage, startHttpServer } from './server/http-server.js';
import { createRedisApqCache } from './server/persisted-queries/redis-apq-cache.js';
import { createRateLimitCheck } from './server/rate-limiter.js';
import { traceQueryReads } from './server/read-spans.js';
import { stopNewestFirst, stopStepBoundMs, stopWithin } from './server/shutdown.js';
import { pageLabel, webPages } from './server/web-pages.js';
import type { ServedEndpoint } from './start-banner.js';

/** Configuration whose dependencies are known: embedded ones have been started by then. */
export type ConnectedConfig = Config & { readonly redisUrl: string; readonly eventStoreConnectionString: string };

export interface RunningEsgraph {
  /** http://host:port/graphql */
  readonly url: string;
  readonly port: number;
  /** The web pages served (GraphiQL, the app), each with its URL, for the start banner. */
  readonly pages: readonly ServedPage[];
  /** What it serves, for the start banner: GraphQL, and whatever else is on (add yours here). */
  readonly endpoints: readonly ServedEndpoint[];
  /** The port of its own `/metrics` is served on (`METRICS_PORT`), when it has one. */
  readonly metricsPort?: number;
  /** Stops serving (in-flight requests finish), then closes connections to Redis and the event store. */
  stop(): Promise<void>;
}

/** A started resource and how to release it; released in reverse order of starting. */
interface Stoppable {
  readonly name: string;
  readonly stop: () => Promise<void>;
  /** How long its stop may take before shutdown moves on; `stopStepBoundMs` when absent. */
  readonly boundMs?: number;
}

export interface EsgraphOptions {
  /** What else /healthz must check: supervision of embedded dependencies, from main.ts. */
  readonly liveness?: readonly LivenessCheck[];
  /** Command middleware run after stamping, in this order (tests add entries here). */
  readonly commandMiddleware?: readonly CommandMiddleware[];
  /** Span processors besides OTLP's; given, tracing is on even without `TRACING` (tests read spans so). */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Tokens main.ts minted on the dev secret: GraphiQL starts with one, the app offers them. */
  readonly developmentTokens?: readonly DevelopmentToken[];
}

/**
 * Builds everything from configuration and starts serving: the composition of esgraph. It
 * connects to an event store and a Redis that already run; main.ts starts embedded ones first
 * when none are configured, and tests start their own.
 */
export const startEsgraph = async (
  config: ConnectedConfig,
  log: Logger,
  options: EsgraphOptions = {},
): Promise<RunningEsgraph> => {
  const stops: Stoppable[] = [];
  // Every step is bounded, so a dependency that died cannot hold shutdown (issue 9, point 3).
  const stopAll = (): Promise<void> =>
    stopNewestFirst(stops, async ({ name, stop, boundMs }) => {
      log.debug({ resource: name }, 'stopping');
      await stopWithin(name, stop, log, boundMs);
    });
  try {
    // Started first, so it stops last: the spans of shutdown itself still get exported.
    const observability = startObservability(config, log, options.spanProcessors);
    if (observability.stopTracing) stops.push({ name: 'tracing', stop: observability.stopTracing });
    const { metrics, tracing } = observability;
    // A dependency that does not answer within STARTUP_TIMEOUT_MS fails the start, naming it.
    const redis = await connectRedis(config.redisUrl, {
      onError: (error) => log.warn({ err: error }, 'redis connection error'),
      firstConnectionTimeoutMs: config.startupTimeoutMs,
    });
    stops.push({ name: 'redis connection', stop: () => closeRedisClient(redis) });
    const eventStore = connectEventStore(config.eventStoreConnectionString);
    stops.push({ name: 'event store connection', stop: () => eventStore.dispose() });
    await awaitEventStore(eventStore, config.eventStoreConnectionString, config.startupTimeoutMs);

    const hub = await SubscriberHub.connect(redis, {
      onError: (error) => log.warn({ err: error }, 'redis subscriber connection error'),
    });
    stops.push({ name: 'redis subscriber connection', stop: () => hub.close() });
    const waiter = new PositionWaiter(redis, hub, {
      onError: (error) => log.warn({ err: error }, 'could not read projection progress'),
      ...(metrics ? { onWait: (outcome, seconds) => metrics.consistencyWait(outcome, seconds) } : {}),
    });
    stops.push({ name: 'consistency waits', stop: () => waiter.close() });
    const readModels = new ReadModels(redis, hub, waiter, config.consistencyTimeoutMs, tracing);

    const allProjections = domainProjections();
    const projector = config.roles.includes('projector')
      ? new Projector({ eventStore, redis, log }, allProjections, {
          leaseTtlMs: config.projectionLeaseTtlMs,
          ...(metrics
            ? { onBatch: (name, events, seconds) => metrics.batch(name, 'read_model', events, seconds) }
            : {}),
          tracing,
        })
      : undefined;
    if (projector) {
      projector.start();
      stops.push({ name: 'projector', stop: () => projector.stop() });
    }
    // Set on projector nodes once the command rules are known (below); read when the report is asked for.
    let processManagers: ProcessManagers | undefined;
    const allProcessManagers = domainProcessManagers();
    const projections = async () => {
      const [projections, processManagerReports] = await Promise.all([
        reportProjections(redis, eventStore, allProjections, projector?.statuses()),
        reportProcessManagers(redis, eventStore, allProcessManagers, processManagers?.statuses()),
      ]);
      return { projections, processManagers: processManagerReports };
    };

    // The command rules are known once the services exist (they read owners through them), and the
    // pipeline exists before the services: the middleware asks for the rule when a command comes.
    let commandRules: AccessPolicy['commands'] = {};
    const commands = new CommandPipeline(eventStore, {
      maxAttempts: config.commandMaxAttempts,
      // Stamping is an entry like the others: one listed before it (metrics, tracing) also sees the
      // commands it refuses (a malformed commandId); one after it (authorization) sees the stamped ids.
      // Tracing and metrics come first, so they see what stamping and authorization refuse too.
      middleware: [
        ...(tracing ? [commandTracing(tracing)] : []),
        ...(metrics ? [commandMetrics(metrics)] : []),
        stampCommandMetadata,
        ...(config.authorization
          ? [commandAccess((type) => (Object.hasOwn(commandRules, type) ? commandRules[type] : undefined))]
          : []),
        ...(options.commandMiddleware ?? []),
      ],
      onMiddlewareError: (error, middleware) => log.error({ err: error, middleware }, 'command middleware failed'),
      ...(metrics ? { onFoldLoad: (result) => metrics.foldLoaded(result) } : {}),
      ...(tracing ? { tracing } : {}),
    });
    const services = createDomainServices({
      commands,
      eventStore,
      readModels,
      log,
      streamReadMaxEvents: config.streamReadMaxEvents,
    });
    const schema = await buildEsgraphSchema();
    if (config.authorization) {
      commandRules = guardSchema(schema, [serverAccessPolicy, ...domainAccessPolicies(services)]).commands;
    }
    // Wrapped after the guard, so a read's span includes its access check.
    if (tracing) traceQueryReads(schema, tracing);
    // Process managers run where read models are kept (the projector role), each under its own lease
    // and on its own feed. They start once the command rules are in place: a step sent before would
    // be refused FORBIDDEN, a failure of its event, which would end parked.
    if (config.roles.includes('projector') && allProcessManagers.length > 0) {
      const started = new ProcessManagers({ eventStore, redis, pipeline: commands, log }, allProcessManagers, {
        leaseTtlMs: config.projectionLeaseTtlMs,
        ...(metrics
          ? { onBatch: (name, events, seconds) => metrics.batch(name, 'process_manager', events, seconds) }
          : {}),
        tracing,
      });
      started.start();
      processManagers = started;
      stops.push({ name: 'process managers', stop: () => started.stop() });
    }
    observability.watch({ projections, redis, hub, eventStore });
    const server: ServerIdentity = { name: 'esgraph', version: packageVersion(), roles: config.roles };
    const pages = webPages(config, options.developmentTokens ?? []);
    const http = await startHttpServer({
      host: config.host,
      port: config.port,
      schema,
      context: (requestId, identity, signal) =>
        createContext({ log, server, services, projections }, requestId, identity, signal),
      authenticate: cachingVerifiedTokens(createTokenVerifier(config.jwt, log), config.jwt.verifiedTokenCacheMs),
      anonymousWebSockets: !config.authorization,
      formatError: createErrorFormatter(log),
      // A node with both serving roles refuses nothing: no check on its requests at all.
      ...((['command', 'query'] as const).every((role) => config.roles.includes(role))
        ? {}
        : { admit: (document, operationName) => refuseUnservedOperation(config.roles, document, operationName) }),
      // Subscriptions live on the subscriber connection: without it they would hear nothing.
      subscriptionsUnavailable: () =>
        hub.connected ? undefined : new ServiceUnavailableError('Redis is unreachable; subscribe again shortly'),
      readiness: [
        { name: 'redis', probe: () => redis.ping() },
        { name: 'eventstore', probe: () => probeEventStore(eventStore) },
      ],
      liveness: options.liveness ?? [],
      shutdownGraceMs: config.shutdownGraceMs,
      operationTimeoutMs: config.operationTimeoutMs,
      subscriberStallMs: config.subscriberStallMs,
      edge: config.edge,
      ...(config.rateLimits ? { rateLimit: createRateLimitCheck(redis, config.rateLimits, log) } : {}),
      clientAddress: clientAddressOf(config.trustedProxies),
      webSocket: config.webSocket,
      log,
      allowLists: { origins: config.corsOrigins, hosts: config.allowedHosts },
      apqCache: createRedisApqCache(redis, config.persistedQueries, log),
      ...(config.trustedDocuments ? { trustedDocuments: config.trustedDocuments } : {}),
      ...pages,
      ...observability.httpServer(),
    });
    stops.push({ name: 'http server', stop: http.stop, boundMs: config.shutdownGraceMs + stopStepBoundMs });
    const metricsPort = await observability.serveMetrics();
    if (metricsPort) stops.push({ name: 'metrics server', stop: metricsPort.stop });
    const endpoints: ServedEndpoint[] = [
      { label: 'GraphQL', url: http.url, note: `POST; subscriptions at ${http.url.replace(/^http/, 'ws')}` },
      ...http.pages.map(({ name, url }) => ({ label: pageLabel(pages, name), url })),
      ...observability.endpoints(http.url, metricsPort?.port),
    ];
    return {
      url: http.url,
      port: http.port,
      pages: http.pages,
      endpoints,
      ...(metricsPort ? { metricsPort: metricsPort.port } : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};
