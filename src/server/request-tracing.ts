import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { type Context, context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
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
 * (a new trace otherwise), active for everything the request does, ended with its status code.
 */
export const traceHttpRequest = (
  tracing: Tracing,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  handle: () => Promise<void>,
): Promise<void> => {
  const method = req.method ?? 'GET';
  const attributes = { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_HTTP_ROUTE]: route, [ATTR_URL_PATH]: route };
  return tracing.inSpan(
    `${method} ${route}`,
    { kind: SpanKind.SERVER, attributes },
    tracing.contextFrom(req.headers),
    async (span) => {
      await handle();
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
 * A span per GraphQL operation over HTTP, a child of the request's span, named once Apollo knows
 * the operation (`mutation Deposit`). It is put on the operation's context as `traceContext`,
 * which commands take as their parent (resolvers pass the context as the request identity).
 */
export const operationTracingPlugin = <GraphQLContext extends TracedContext>(
  tracing: Tracing,
): ApolloServerPlugin<GraphQLContext> => ({
  requestDidStart: async ({ contextValue }) => {
    const parent = context.active();
    const span = tracing.tracer.startSpan('graphql operation', {}, parent);
    contextValue.traceContext = trace.setSpan(parent, span);
    return {
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
