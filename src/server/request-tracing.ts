import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { type Context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { Tracing } from '../core/tracing/tracing.js';
import { outcomeCode } from './operation-record.js';

/**
 * The request's span: a server span continuing the client's trace when it sent a `traceparent`
 * (a new trace otherwise), handed to `handle` as the parent of what the request does, ended with
 * its status code.
 */
export const traceHttpRequest = (
  tracing: Tracing,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  handle: (traceContext: Context) => Promise<void>,
): Promise<void> => {
  const method = req.method ?? 'GET';
  const attributes = { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_HTTP_ROUTE]: route, [ATTR_URL_PATH]: route };
  return tracing.inSpan(
    `${method} ${route}`,
    { kind: SpanKind.SERVER, attributes },
    tracing.contextFrom(req.headers),
    async (span, traceContext) => {
      await handle(traceContext);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    },
  );
};

/** Names an operation's span once its document is known (`mutation Deposit`), on either transport. */
export const nameOperationSpan = (span: Span, type: string, name: string | null | undefined): void => {
  span.updateName(`${type} ${name ?? 'anonymous'}`);
  span.setAttributes(
    name ? { 'graphql.operation.type': type, 'graphql.operation.name': name } : { 'graphql.operation.type': type },
  );
};

/** Ends an operation's span with its outcome (`ok`, or the answer's first code), failed unless ok. */
export const endOperationSpan = (span: Span, outcome: string): void => {
  span.setAttribute('esgraph.outcome', outcome);
  if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
  span.end();
};

/** Where the operation's span context is kept: the per-operation GraphQL context, which resolvers hand to commands. */
export interface TracedContext {
  traceContext?: Context | undefined;
}

/**
 * A span per GraphQL operation over HTTP, a child of the request's span (the context's
 * `traceContext`, which graphql-http.ts sets), named once Apollo knows the operation (`mutation
 * Deposit`). It replaces `traceContext` on the operation's context, so commands take it as their
 * parent (resolvers pass the context as the request identity), and so do a query's read spans
 * (`traceQueryReads`).
 */
export const operationTracingPlugin = <GraphQLContext extends TracedContext>(
  tracing: Tracing,
): ApolloServerPlugin<GraphQLContext> => ({
  requestDidStart: async ({ contextValue }) => {
    const parent = contextValue.traceContext ?? ROOT_CONTEXT;
    const span = tracing.startSpan('graphql operation', {}, parent);
    // An unsampled request's operation has nothing to name or end: its context stays the request's.
    if (!span.isRecording()) return;
    const operationContext = trace.setSpan(parent, span);
    contextValue.traceContext = operationContext;
    return {
      didResolveOperation: async ({ operation, operationName }) => {
        nameOperationSpan(span, operation?.operation ?? 'unknown', operationName);
      },
      willSendResponse: async ({ response }) => {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        endOperationSpan(span, outcomeCode(errors));
      },
    };
  },
});
