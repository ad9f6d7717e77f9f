import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { type Context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { failSpan, type Tracing } from '../core/tracing/tracing.js';
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

/** Where the operation's span context is kept: the per-operation GraphQL context, which resolvers hand to commands. */
export interface TracedContext {
  traceContext?: Context | undefined;
}

/**
 * A span per GraphQL operation over HTTP, a child of the request's span (the context's
 * `traceContext`, which graphql-http.ts sets), named once Apollo knows the operation (`mutation
 * Deposit`). It replaces `traceContext` on the operation's context, so commands take it as their
 * parent (resolvers pass the context as the request identity). A query's root fields, its reads of
 * the read models (or of the log, for the temporal queries), get a span each, `read account`.
 */
export const operationTracingPlugin = <GraphQLContext extends TracedContext>(
  tracing: Tracing,
): ApolloServerPlugin<GraphQLContext> => ({
  requestDidStart: async ({ contextValue }) => {
    const parent = contextValue.traceContext ?? ROOT_CONTEXT;
    const span = tracing.tracer.startSpan('graphql operation', {}, parent);
    const operationContext = trace.setSpan(parent, span);
    contextValue.traceContext = operationContext;
    return {
      executionDidStart: async ({ operation }) => {
        if (operation.operation !== 'query') return;
        return {
          willResolveField: ({ info }) => {
            if (info.path.prev !== undefined) return;
            const read = tracing.tracer.startSpan(
              `read ${info.fieldName}`,
              { attributes: { 'graphql.field.name': info.fieldName } },
              operationContext,
            );
            return (error) => {
              if (error) failSpan(read, error);
              read.end();
            };
          },
        };
      },
      didResolveOperation: async ({ operation, operationName }) => {
        const type = operation?.operation ?? 'unknown';
        span.updateName(`${type} ${operationName ?? 'anonymous'}`);
        span.setAttribute('graphql.operation.type', type);
        if (operationName) span.setAttribute('graphql.operation.name', operationName);
      },
      willSendResponse: async ({ response }) => {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        const code = outcomeCode(errors);
        span.setAttribute('esgraph.outcome', code);
        if (code !== 'OK') span.setStatus({ code: SpanStatusCode.ERROR, message: code });
        span.end();
      },
    };
  },
});
