import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, type Span, SpanKind, type SpanOptions, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { Tracing } from '../core/tracing/tracing.js';

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
  const { name, options } = requestSpanShape(route, req.method ?? 'GET');
  return tracing.inSpan(
    name,
    options,
    tracing.contextFrom(req.headers),
    // An unrecorded request (most, sampled at 1%) is handled with nothing chained on.
    (span, traceContext) =>
      span.isRecording() ? handle(traceContext).then(() => recordStatus(span, res)) : handle(traceContext),
  );
};

/** A request span's name and options by route, then method: made once, not on every request. */
const requestSpanShapes = new Map<string, Map<string, { readonly name: string; readonly options: SpanOptions }>>();

/** Bounded: the routes are ours, and Node's HTTP parser admits only the methods it knows. */
const requestSpanShape = (route: string, method: string) => {
  let byMethod = requestSpanShapes.get(route);
  if (byMethod === undefined) {
    byMethod = new Map();
    requestSpanShapes.set(route, byMethod);
  }
  let shape = byMethod.get(method);
  if (shape === undefined) {
    // Frozen: every span of the route shares it (the SDK copies attributes, and so must anyone else).
    const attributes = Object.freeze({
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_HTTP_ROUTE]: route,
      [ATTR_URL_PATH]: route,
    });
    shape = { name: `${method} ${route}`, options: { kind: SpanKind.SERVER, attributes } };
    byMethod.set(method, shape);
  }
  return shape;
};

/** The request span's status code, set before `inSpan` ends it: an error from 500 up. */
const recordStatus = (span: Span, res: ServerResponse): void => {
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
  if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
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
