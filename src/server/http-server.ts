import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { GraphQLSchema } from 'graphql';
import type { EdgeLimits, WebSocketLimits } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { Tracing } from '../core/tracing/tracing.js';
import type { Authenticate } from '../identity/index.js';
import { answerPlugin } from './answer-plugin.js';
import { type ClientAddress, clientAddressOf } from './client-address.js';
import { answerCors } from './cors.js';
import { documentProtection, suggestionMaskPlugin } from './document-limits.js';
import { type ContextFactory, createGraphQLHttpHandler } from './graphql-http.js';
import { attachGraphQLWebSocket, type ErrorFormatter, type OperationAdmission } from './graphql-ws.js';
import { answerLiveness, answerReadiness, type LivenessCheck, type ReadinessCheck } from './health.js';
import { subscriptionsOverWebSocketOnly } from './http-subscriptions.js';
import { answerMetrics, type MetricsAccess, metricsPath } from './metrics-endpoint.js';
import type { OperationCaller, OperationRecorder } from './operation-record.js';
import type { TrustedDocuments } from './persisted-queries/manifest.js';
import { trustedDocumentCache, trustedDocumentsPlugin } from './persisted-queries/trusted-admission.js';
import type { RateLimitCheck } from './rate-limiter.js';
import {
  type EdgeAllowLists,
  type EdgeRefusal,
  hostAllowed,
  hostNotAllowed,
  refuseUpgrade,
} from './request-origins.js';
import { httpRequestTracing, type TracedContext } from './request-tracing.js';
import { serveIndexOf, servePages, underBundle, type WebBundle, wantsHtml } from './static-pages.js';
import { WebSocketOperationRecords } from './ws-operation-records.js';

export interface HttpServerOptions<Context extends OperationCaller & TracedContext> {
  readonly host: string;
  readonly port: number;
  readonly schema: GraphQLSchema;
  /** Builds an operation's context; `signal` aborts at its deadline or when its client goes away. */
  readonly context: ContextFactory<Context>;
  /** Verifies a request's bearer token (HTTP header, or graphql-ws `connection_init` payload). */
  readonly authenticate: Authenticate;
  /** Whether a WebSocket without a token is acknowledged (only with authorization off). */
  readonly anonymousWebSockets: boolean;
  readonly formatError: ErrorFormatter;
  /** Refuses operations this node does not serve (by role); everything runs when absent. */
  readonly admit?: OperationAdmission;
  /** Why no subscription can be served right now (Redis away), or undefined when they can. */
  readonly subscriptionsUnavailable?: () => Error | undefined;
  readonly readiness: readonly ReadinessCheck[];
  /** What must hold for the process to be worth keeping (see /healthz). */
  readonly liveness?: readonly LivenessCheck[];
  readonly shutdownGraceMs: number;
  /** How long one operation (a query, a mutation, a subscription's start) may execute. */
  readonly operationTimeoutMs: number;
  /** How long a WebSocket client may leave what was sent to it unread before it is cut off. */
  readonly subscriberStallMs: number;
  /** Document, body and message limits, the same on HTTP and WebSocket. */
  readonly edge: EdgeLimits;
  /** Per-IP and per-user request counts (HTTP requests and WebSocket `subscribe`s); none when absent. */
  readonly rateLimit?: RateLimitCheck;
  /** Where a request came from, for the per-IP limit (`clientAddressOf`); the socket's address when absent. */
  readonly clientAddress?: ClientAddress;
  readonly webSocket: WebSocketLimits;
  readonly log: Logger;
  /** Browser origins (CORS, WebSocket upgrade) and Host names this server answers. */
  readonly allowLists: EdgeAllowLists;
  /** Where automatic persisted queries are registered (shared by instances); unused in trusted mode. */
  readonly apqCache: KeyValueCache<string>;
  /** Trusted mode: only these documents run, on both transports, and nothing registers. */
  readonly trustedDocuments?: TrustedDocuments;
  /** Records every operation (request log, metrics); nothing is recorded when absent or disabled. */
  readonly recorder?: OperationRecorder;
  /** Spans for each GraphQL request over HTTP and its operation; absent: none. */
  readonly tracing?: Tracing;
  /** `/metrics` on this port, to whom; not served here when absent. */
  readonly metrics?: MetricsAccess;
  /** Built web bundles served under `/<name>/` (static-pages.ts); none when absent. */
  readonly pages?: readonly WebBundle[];
  /** The bundle whose page a browser gets at GET /graphql (Accept: text/html): GraphiQL, when on. */
  readonly graphqlPage?: WebBundle;
}

/** A page this server serves, by bundle name, with its URL (for the start banner). */
export interface ServedPage {
  readonly name: string;
  readonly url: string;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  /** The web pages served, each at `/<name>/`. */
  readonly pages: readonly ServedPage[];
  /**
   * Stops accepting, closes WebSockets with 1001, lets in-flight requests finish (up to the
   * grace period), then closes what is left.
   */
  stop(): Promise<void>;
}

const graphqlPath = '/graphql';

/** Refuses, once Apollo knows which operation a request runs, what `admit` refuses. */
const admissionPlugin = <Context extends object>(admit: OperationAdmission): ApolloServerPlugin<Context> => ({
  requestDidStart: async () => ({
    didResolveOperation: async ({ document, operationName }) => {
      const refusal = admit(document, operationName);
      if (refusal) throw refusal;
    },
  }),
});

/** Answers a refusal in GraphQL's error shape, so clients read its code as they read any other. */
const refuse = (res: ServerResponse, refusal: EdgeRefusal): void => {
  res.writeHead(refusal.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] }));
};

/** One HTTP server: GraphQL over HTTP and WebSocket on /graphql, plus /healthz and /readyz. */
export const startHttpServer = async <Context extends OperationCaller & TracedContext>(
  options: HttpServerOptions<Context>,
): Promise<RunningHttpServer> => {
  const httpServer = createServer();
  const protection = documentProtection(options.edge.documents, options.edge.fieldSuggestions);
  const { trustedDocuments, metrics, tracing } = options;
  const recorder = options.recorder?.enabled ? options.recorder : undefined;
  const clientAddress = options.clientAddress ?? clientAddressOf([]);
  const webSocket = attachGraphQLWebSocket({
    httpServer,
    path: graphqlPath,
    schema: options.schema,
    context: options.context,
    operationTimeoutMs: options.operationTimeoutMs,
    authenticate: options.authenticate,
    anonymous: options.anonymousWebSockets,
    formatError: options.formatError,
    ...(options.admit ? { admit: options.admit } : {}),
    refuseUpgrade: (req) => refuseUpgrade(options.allowLists, req),
    ...(options.subscriptionsUnavailable ? { unavailable: options.subscriptionsUnavailable } : {}),
    stallMs: options.subscriberStallMs,
    protection,
    maxPayloadBytes: options.edge.webSocketMessageBytes,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    clientAddress,
    maxSubscriptionsPerConnection: options.webSocket.maxSubscriptionsPerConnection,
    pingIntervalMs: options.webSocket.pingIntervalMs,
    ...(trustedDocuments ? { trustedDocuments } : {}),
    ...(recorder || tracing ? { records: new WebSocketOperationRecords(recorder, tracing) } : {}),
    log: options.log,
  });
  const apollo = new ApolloServer<Context>({
    schema: options.schema,
    formatError: options.formatError,
    includeStacktraceInErrorResponses: false,
    // Apollo's default, spelled out: a "simple" request (one a foreign page can send without a CORS
    // preflight) must carry a header only a preflight could allow, so CORS alone decides.
    csrfPrevention: true,
    stopOnTerminationSignals: false,
    parseOptions: protection.parseOptions,
    validationRules: [...protection.validationRules],
    // A JSON array body runs as a batch of at most MAX_BATCH_OPERATIONS (graphql-http.ts refuses
    // more before anything runs); a limit of 1 is Apollo's default: every array is BAD_REQUEST.
    allowBatchedHttpRequests: options.edge.batchOperations > 1,
    persistedQueries: { cache: trustedDocuments ? trustedDocumentCache(trustedDocuments) : options.apqCache },
    plugins: [
      // Cache hints mean nothing for mutations and read-your-writes queries, and the cache-control
      // plugin hooks every resolved field to compute them; usage reporting goes to Apollo's cloud.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      // Apollo's landing page loads Sandbox from Apollo's CDN; GraphiQL (graphqlPage) replaces it.
      ApolloServerPluginLandingPageDisabled(),
      answerPlugin<Context>({ recorder, tracing }),
      subscriptionsOverWebSocketOnly<Context>(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: options.shutdownGraceMs }),
      { serverWillStart: async () => ({ drainServer: () => webSocket.dispose() }) },
      ...(trustedDocuments ? [trustedDocumentsPlugin<Context>(trustedDocuments)] : []),
      ...(options.admit ? [admissionPlugin<Context>(options.admit)] : []),
      ...(options.edge.fieldSuggestions ? [] : [suggestionMaskPlugin<Context>(protection.maskSuggestions)]),
    ],
  });
  await apollo.start();
  const graphql = createGraphQLHttpHandler(apollo, options.context, {
    maxBodyBytes: options.edge.bodyBytes,
    authenticate: options.authenticate,
    rateLimit: options.rateLimit,
    clientAddress,
    batchOperations: options.edge.batchOperations,
    trustedDocuments,
    operationTimeoutMs: options.operationTimeoutMs,
    log: options.log,
  });
  const traceGraphQLRequest = tracing ? httpRequestTracing(tracing, graphqlPath) : undefined;

  const pages = (options.pages ?? []).map((bundle) => ({ bundle, serve: servePages(bundle) }));
  const graphqlPage = options.graphqlPage ? serveIndexOf(options.graphqlPage) : undefined;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (!hostAllowed(options.allowLists.hosts, req.headers.host)) return refuse(res, hostNotAllowed);
    if (path === graphqlPath) {
      // A browser opening the endpoint (no query to run) gets the page; a GET with a query is GraphQL.
      if (graphqlPage && wantsHtml(req) && !url.searchParams.has('query')) return graphqlPage(req, res);
      if (answerCors(options.allowLists.origins, req, res)) return;
      return traceGraphQLRequest
        ? traceGraphQLRequest(req, res, (traceContext) => graphql(req, res, url, traceContext))
        : graphql(req, res, url);
    }
    if (path === '/healthz') return answerLiveness(res, options.liveness ?? []);
    if (path === '/readyz') return answerReadiness(res, options.readiness);
    if (path === metricsPath && metrics) return answerMetrics(req, res, metrics);
    // Same-origin pages: no CORS, so another origin can neither read them nor their page data.
    const page = pages.find(({ bundle }) => underBundle(bundle, path));
    if (page) return page.serve(req, res, path);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  };
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      options.log.error({ err: error }, 'request failed outside GraphQL');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal server error');
    });
  });

  // Rejects with the listen error (a port in use) instead of leaving it unhandled.
  httpServer.listen(options.port, options.host);
  await once(httpServer, 'listening');
  const { port } = httpServer.address() as AddressInfo;
  const origin = `http://${options.host}:${port}`;
  return {
    url: `${origin}${graphqlPath}`,
    port,
    pages: pages.map(({ bundle }) => ({ name: bundle.name, url: `${origin}/${bundle.name}/` })),
    stop: () => apollo.stop(),
  };
};
