import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, type Span, SpanKind, type SpanOptions, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { Tracing } from '../core/tracing/tracing.js';

/** Handles one request under its span: `handle` is given the span's context to parent what it does. */
export type TraceHttpRequest = (
  req: IncomingMessage,
  res: ServerResponse,
  handle: (traceContext: Context) => Promise<void>,
) => Promise<void>;

/**
 * The request spans of one route: a server span per request, continuing the client's trace when
 * it sent a `traceparent` (a new trace otherwise), ended with its status code. A span's name and
 * attributes are made once per method, not on every request (bounded: Node's HTTP parser admits
 * only the methods it knows), and frozen, as every span of the method shares them.
 */
export const httpRequestTracing = (tracing: Tracing, route: string): TraceHttpRequest => {
  const shapes = new Map<string, { readonly name: string; readonly options: SpanOptions }>();
  const shapeOf = (method: string) => {
    let shape = shapes.get(method);
    if (shape === undefined) {
      const attributes = Object.freeze({
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_HTTP_ROUTE]: route,
        [ATTR_URL_PATH]: route,
      });
      shape = { name: `${method} ${route}`, options: { kind: SpanKind.SERVER, attributes } };
      shapes.set(method, shape);
    }
    return shape;
  };
  return (req, res, handle) => {
    const { name, options } = shapeOf(req.method ?? 'GET');
    return tracing.inSpan(
      name,
      options,
      tracing.contextFrom(req.headers),
      // An unrecorded request (most, sampled at 1%) is handled with nothing chained on.
      (span, traceContext) =>
        span.isRecording() ? handle(traceContext).then(() => recordStatus(span, res)) : handle(traceContext),
    );
  };
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
