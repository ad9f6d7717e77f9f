import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from '../core/logger.js';
import type { Authenticate, Identity } from '../identity/index.js';
import { createGraphQLHttpHandler } from './graphql-http.js';
import { attachGraphQLWebSocket, type ErrorFormatter, type OperationAdmission } from './graphql-ws.js';
import { answerLiveness, answerReadiness, type LivenessCheck, type ReadinessCheck } from './health.js';
import { unavailableStatusPlugin } from './unavailable-status.js';

export interface HttpServerOptions<Context extends object> {
  readonly host: string;
  readonly port: number;
  readonly schema: GraphQLSchema;
  readonly context: (requestId: string, identity: Identity | undefined) => Context;
  /** Verifies a request's bearer token (HTTP header, or graphql-ws `connection_init` payload). */
  readonly authenticate: Authenticate;
  readonly formatError: ErrorFormatter;
  /** Refuses operations this node does not serve (by role); everything runs when absent. */
  readonly admit?: OperationAdmission;
  /** Why no subscription can be served right now (Redis away), or undefined when they can. */
  readonly subscriptionsUnavailable?: () => Error | undefined;
  readonly readiness: readonly ReadinessCheck[];
  /** What must hold for the process to be worth keeping (see /healthz). */
  readonly liveness?: readonly LivenessCheck[];
  readonly shutdownGraceMs: number;
  /** How long a WebSocket client may leave what was sent to it unread before it is cut off. */
  readonly subscriberStallMs: number;
  readonly log: Logger;
}

export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
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

/** One HTTP server: GraphQL over HTTP and WebSocket on /graphql, plus /healthz and /readyz. */
export const startHttpServer = async <Context extends object>(
  options: HttpServerOptions<Context>,
): Promise<RunningHttpServer> => {
  const httpServer = createServer();
  const webSocket = attachGraphQLWebSocket({
    httpServer,
    path: graphqlPath,
    schema: options.schema,
    context: options.context,
    authenticate: options.authenticate,
    formatError: options.formatError,
    ...(options.admit ? { admit: options.admit } : {}),
    ...(options.subscriptionsUnavailable ? { unavailable: options.subscriptionsUnavailable } : {}),
    stallMs: options.subscriberStallMs,
    log: options.log,
  });
  const apollo = new ApolloServer<Context>({
    schema: options.schema,
    formatError: options.formatError,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    plugins: [
      // Cache hints mean nothing for mutations and read-your-writes queries, and the cache-control
      // plugin hooks every resolved field to compute them; usage reporting goes to Apollo's cloud.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      unavailableStatusPlugin<Context>(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: options.shutdownGraceMs }),
      { serverWillStart: async () => ({ drainServer: () => webSocket.dispose() }) },
      ...(options.admit ? [admissionPlugin<Context>(options.admit)] : []),
    ],
  });
  await apollo.start();
  const graphql = createGraphQLHttpHandler(apollo, options.context, options.authenticate);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === graphqlPath) return graphql(req, res, url);
    if (path === '/healthz') return answerLiveness(res, options.liveness ?? []);
    if (path === '/readyz') return answerReadiness(res, options.readiness);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  };
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      options.log.error({ err: error }, 'request failed outside GraphQL');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal server error');
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  return { url: `http://${options.host}:${port}${graphqlPath}`, port, stop: () => apollo.stop() };
};
