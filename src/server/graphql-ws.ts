import type { IncomingMessage, Server } from 'node:http';
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { ServiceUnavailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { type Authenticate, type Identity, UnauthenticatedError } from '../identity/index.js';
import type { ClientAddress } from './client-address.js';
import type { DocumentProtection } from './document-limits.js';
import type { ContextFactory } from './graphql-http.js';
import type { OperationCaller } from './operation-record.js';
import type { TrustedDocuments } from './persisted-queries/manifest.js';
import { trustedDocumentText } from './persisted-queries/trusted-admission.js';
import { type RateLimitCheck, rateLimitedCode, rateLimitedMessage } from './rate-limiter.js';
import type { EdgeRefusal } from './request-origins.js';
import type { TracedContext } from './request-tracing.js';
import { cutOffStalledSockets } from './stalled-sockets.js';
import { checkSubscriptionDocument } from './subscription-document.js';
import { webSocketOperationHooks } from './ws-operation-deadlines.js';
import type { WebSocketOperationRecords } from './ws-operation-records.js';

export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

export interface GraphQLWebSocketOptions<Context> {
  readonly httpServer: Server;
  readonly path: string;
  readonly schema: GraphQLSchema;
  readonly context: ContextFactory<Context>;
  /** How long a query or mutation, or a subscription's start, may execute before OPERATION_TIMEOUT. */
  readonly operationTimeoutMs: number;
  /** Verifies the `authorization` of `connection_init`'s payload. */
  readonly authenticate: Authenticate;
  /**
   * Whether a connection without a token is acknowledged. With authorization on it is not (closed
   * with 4401): no subscription is open to an anonymous caller, so it would hold a socket for nothing.
   */
  readonly anonymous: boolean;
  readonly formatError: ErrorFormatter;
  readonly admit?: OperationAdmission;
  /** Refuses an upgrade before the handshake (a foreign Origin, a Host not served). */
  readonly refuseUpgrade?: (req: IncomingMessage) => EdgeRefusal | undefined;
  /** Why no subscription can be served right now (Redis away), or undefined when they can. */
  readonly unavailable?: () => Error | undefined;
  /** How long a client may leave what was sent to it unread before it is cut off. */
  readonly stallMs: number;
  /** The document limits HTTP applies, applied to every operation sent over the socket. */
  readonly protection: DocumentProtection;
  /** A larger message closes the connection with 1009 before graphql-ws parses any of it. */
  readonly maxPayloadBytes: number;
  /** Counts each `subscribe` against the same per-IP and per-user limits as HTTP requests. */
  readonly rateLimit?: RateLimitCheck;
  /** Where the upgrade came from, as the per-IP limit counts each `subscribe`. */
  readonly clientAddress: ClientAddress;
  /** Operations one connection may run at once; the next is refused with SUBSCRIPTION_LIMIT. */
  readonly maxSubscriptionsPerConnection: number;
  /** graphql-ws pings this often and terminates a socket that has not answered within as long again. */
  readonly pingIntervalMs: number;
  /** Trusted mode: only these documents run, sent as text or by hash (`extensions.persistedQuery`). */
  readonly trustedDocuments?: TrustedDocuments;
  /** Request log lines and operation and subscription metrics; nothing is recorded when absent. */
  readonly records?: WebSocketOperationRecords;
  readonly log: Logger;
}

const subscriptionLimitCode = 'SUBSCRIPTION_LIMIT';

/** Decides whether this node runs an operation; the error to answer with when it does not. */
export type OperationAdmission = (document: DocumentNode, operationName?: string | null) => GraphQLError | undefined;

/** Stops the WebSocket endpoint: every socket is closed with 1001 (going away). */
export interface GraphQLWebSocketEndpoint {
  dispose(): Promise<void>;
}

/**
 * What Apollo does before its formatter runs, for WebSocket: `http` (a status for Apollo to set)
 * is a transport hint, not something clients see.
 */
const format = (formatError: ErrorFormatter, error: GraphQLError): GraphQLFormattedError => {
  const { http: _http, ...extensions } = error.extensions;
  return formatError({ ...error.toJSON(), extensions }, error);
};

const isAsyncIterable = (value: unknown): boolean =>
  typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';

/** Close codes of ours, in the 4xxx range graphql-ws leaves to applications (its own 4401/4403 mean the same). */
const closeUnauthenticated = 4401;
const closeTokenExpired = 4403;
/** WebSocket's own "try again later": the identity provider's keys could not be fetched. */
const closeTryAgainLater = 1013;

/** setTimeout's longest delay; a token living longer is checked again then. */
const longestTimerMs = 2 ** 31 - 1;

/** Closes the socket when its token expires; the returned function cancels that. */
const closeAtExpiry = (socket: WebSocket, expiresAt: Date): (() => void) => {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const left = expiresAt.getTime() - Date.now();
    if (left <= 0) {
      socket.close(closeTokenExpired, 'Token expired');
      return;
    }
    timer = setTimeout(arm, Math.min(left, longestTimerMs));
  };
  arm();
  return () => clearTimeout(timer);
};

const authorizationOf = (params: Readonly<Record<string, unknown>> | undefined): string | undefined => {
  const value = params?.authorization ?? params?.Authorization;
  // Present but not a string is a malformed credential, not an anonymous connection.
  return value === undefined ? undefined : typeof value === 'string' ? value : String(value);
};

/**
 * GraphQL subscriptions (graphql-ws protocol) on the HTTP server's own port and path. Errors
 * pass through the same formatter as HTTP, so a code means the same thing on both transports.
 */
export const attachGraphQLWebSocket = <Context extends OperationCaller & TracedContext>(
  options: GraphQLWebSocketOptions<Context>,
): GraphQLWebSocketEndpoint => {
  const { refuseUpgrade } = options;
  const wss = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    maxPayload: options.maxPayloadBytes,
    // Answered with a plain HTTP status before the handshake, so the socket never opens.
    ...(refuseUpgrade
      ? {
          verifyClient: (
            info: { req: IncomingMessage },
            accept: (ok: boolean, status?: number, reason?: string) => void,
          ) => {
            const refusal = refuseUpgrade(info.req);
            if (refusal) {
              options.log.warn(
                { origin: info.req.headers.origin, host: info.req.headers.host, code: refusal.code },
                'refused a WebSocket upgrade',
              );
              accept(false, refusal.status, refusal.code);
            } else accept(true);
          },
        }
      : {}),
  });
  // Keyed by graphql-ws's per-connection context, which every hook below receives.
  const identities = new WeakMap<object, Identity>();
  const { records } = options;
  const operations = webSocketOperationHooks(
    options.operationTimeoutMs,
    options.log,
    (ctx, id, requestId, signal) => {
      const context = options.context(requestId, identities.get(ctx), signal);
      // The operation's span, which its commands and reads take as their parent.
      const traceContext = records?.traceContextOf(ctx, id);
      if (traceContext !== undefined) context.traceContext = traceContext;
      return context;
    },
    records ? (ctx, id) => records.requestIdOf(ctx, id) : undefined,
  );
  const endpoint = useServer(
    {
      schema: options.schema,
      // Verified before the ack: graphql-ws closes a connection that subscribes unacknowledged with 4401.
      onConnect: async (ctx) => {
        const { socket } = ctx.extra;
        try {
          const identity = await options.authenticate(authorizationOf(ctx.connectionParams));
          if (identity === undefined) {
            if (options.anonymous) return true;
            socket.close(closeUnauthenticated, 'a bearer token is needed in connection_init: { authorization }');
            return false;
          }
          identities.set(ctx, identity);
          if (identity.expiresAt !== undefined) {
            const cancel = closeAtExpiry(socket, identity.expiresAt);
            socket.once('close', cancel);
          }
          return true;
        } catch (error) {
          if (error instanceof UnauthenticatedError) socket.close(closeUnauthenticated, error.message);
          else if (error instanceof ServiceUnavailableError) socket.close(closeTryAgainLater, error.message);
          else throw error;
          return false;
        }
      },
      // Each operation's abort signal, and its deadline around execute and subscribe.
      ...operations,
      onSubscribe: async (ctx, id, payload) => {
        records?.begin(ctx, id, { extensions: payload.extensions ?? undefined, headers: ctx.extra.request.headers });
        // Refused with an `error` message, which ends the operation: the client retries later.
        const unavailable = options.unavailable?.();
        if (unavailable) return [new GraphQLError(unavailable.message, { originalError: unavailable })];
        // graphql-ws has already recorded this operation in `subscriptions`, so it counts itself.
        const maxSubscriptions = options.maxSubscriptionsPerConnection;
        if (Object.keys(ctx.subscriptions).length > maxSubscriptions) {
          const message = `a connection may hold at most ${maxSubscriptions} subscriptions`;
          return [new GraphQLError(message, { extensions: { code: subscriptionLimitCode, maxSubscriptions } })];
        }
        const ip = options.clientAddress(ctx.extra.request);
        const retryAfterMs = await options.rateLimit?.({ ip, userId: identities.get(ctx)?.userId });
        if (retryAfterMs !== undefined) {
          const extensions = { code: rateLimitedCode, retryAfterMs };
          return [new GraphQLError(rateLimitedMessage(retryAfterMs), { extensions })];
        }
        const query = options.trustedDocuments ? trustedDocumentText(options.trustedDocuments, payload) : payload.query;
        if (query instanceof GraphQLError) return [query];
        // Parsed and validated here, not by graphql-ws: its parse throws on a syntax error, which
        // closes the whole connection (4500), and its validation knows none of our limits.
        const checked = checkSubscriptionDocument(
          options.schema,
          { ...payload, query: query ?? payload.query },
          options.protection,
        );
        if (!('document' in checked)) return checked;
        records?.resolved(ctx, id, checked.document, payload.operationName);
        const refusal = options.admit?.(checked.document, payload.operationName);
        return refusal ? [refusal] : checked;
      },
      ...(records
        ? {
            onOperation: (ctx, id, _payload, args, result) => {
              records.ran(ctx, id, args.contextValue as OperationCaller, isAsyncIterable(result));
              return undefined;
            },
            onComplete: (ctx, id) => {
              operations.onComplete(ctx, id);
              records.complete(ctx, id);
            },
          }
        : {}),
      onNext: (ctx, id, _payload, _args, result) => {
        const errors = (result as ExecutionResult).errors;
        if (errors === undefined) {
          records?.next(ctx, id, undefined);
          return result;
        }
        const formatted = errors.map((error) => format(options.formatError, error));
        records?.next(ctx, id, formatted);
        return { ...result, errors: formatted };
      },
      onError: (ctx, id, _payload, errors) => {
        const formatted = errors.map((error) =>
          format(options.formatError, error instanceof GraphQLError ? error : new GraphQLError(String(error))),
        );
        records?.error(ctx, id, formatted);
        return formatted;
      },
    },
    wss,
    options.pingIntervalMs,
  );
  const stopWatching = cutOffStalledSockets(wss, {
    stallMs: options.stallMs,
    onStalled: (bufferedBytes) =>
      options.log.warn({ bufferedBytes, stallMs: options.stallMs }, 'cut off a WebSocket client that stopped reading'),
  });
  return {
    dispose: async () => {
      stopWatching();
      await endpoint.dispose();
    },
  };
};
