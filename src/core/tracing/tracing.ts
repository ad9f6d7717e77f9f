import {
  type Context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** A span's W3C trace context as event metadata and change bundles carry it. */
export type TraceCarrier = {
  traceparent?: string;
  tracestate?: string;
};

/** Span links a batch span keeps at most: a catch-up batch of thousands links to its first ones. */
export const MAX_LINKS_PER_SPAN = 32;

const headerGetter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};

/**
 * The one tracer of a process and how esgraph carries trace context: W3C `traceparent` and
 * `tracestate`, read from a request's headers, written into each event's metadata, read back from
 * it by projections, process managers and subscription pushes. Undefined wherever tracing is off,
 * so an untraced process makes no span and pays one check per seam.
 */
export class Tracing {
  readonly #propagator = new W3CTraceContextPropagator();
  readonly #commandContexts = new WeakMap<object, Context>();

  constructor(readonly tracer: Tracer) {}

  /** The context a carrier names (a request's headers, an event's metadata); the root context when it names none. */
  contextFrom(carrier: Readonly<Record<string, unknown>>): Context {
    return this.#propagator.extract(ROOT_CONTEXT, carrier, headerGetter);
  }

  /** The carrier for a span's context (`trace.setSpan`): what goes into an event's metadata. */
  carrierOf(context: Context): TraceCarrier {
    const carrier: TraceCarrier = {};
    this.#propagator.inject(context, carrier, {
      set: (target, key, value) => {
        (target as Record<string, string>)[key] = value;
      },
    });
    return carrier;
  }

  /** A link to the span a carrier names; undefined when it names none (an event written untraced). */
  linkFrom(carrier: Readonly<Record<string, unknown>>): Link | undefined {
    if (typeof carrier.traceparent !== 'string') return undefined;
    const spanContext = trace.getSpanContext(this.contextFrom(carrier));
    return spanContext === undefined ? undefined : { context: spanContext };
  }

  /** Links to the spans the items' carriers name, at most `MAX_LINKS_PER_SPAN`, each span once. */
  linksFrom<T>(items: Iterable<T>, carrierOf: (item: T) => Readonly<Record<string, unknown>>): Link[] {
    const links: Link[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const link = this.linkFrom(carrierOf(item));
      if (link === undefined || seen.has(link.context.spanId)) continue;
      seen.add(link.context.spanId);
      links.push(link);
      if (links.length === MAX_LINKS_PER_SPAN) break;
    }
    return links;
  }

  /**
   * Runs `work` in a span, a child of `parent`; the span ends when the work settles, with an
   * error status when it throws. `work` gets the span's context to parent what it starts:
   * contexts are handed on explicitly, never through a context manager (on Node 20 the
   * AsyncLocalStorage one hooks every promise of the process, which costs more than every span).
   */
  inSpan<T>(
    name: string,
    options: SpanOptions,
    parent: Context,
    work: (span: Span, context: Context) => Promise<T>,
  ): Promise<T> {
    const span = this.tracer.startSpan(name, options, parent);
    return endWhenSettled(span, () => work(span, trace.setSpan(parent, span)));
  }

  /** `inSpan` for work that starts no span of its own, so no context is made for it. */
  aroundSpan<T>(name: string, options: SpanOptions, parent: Context, work: () => Promise<T>): Promise<T> {
    return endWhenSettled(this.tracer.startSpan(name, options, parent), work);
  }

  /**
   * Keeps a command's span context for the pipeline of this process, which parents its decide and
   * append spans on it without parsing the `traceparent` back out of the command's metadata.
   */
  holdCommandContext(command: object, context: Context): void {
    this.#commandContexts.set(command, context);
  }

  /** The context held for a command, no longer held: its span is ending. */
  releaseCommandContext(command: object): Context | undefined {
    const context = this.#commandContexts.get(command);
    this.#commandContexts.delete(command);
    return context;
  }

  /** The command span's context: the one held for it, else the one its metadata names. */
  commandContext(command: object, metadata: Readonly<Record<string, unknown>>): Context {
    return this.#commandContexts.get(command) ?? this.contextFrom(metadata);
  }
}

/**
 * Ends `span` once `work` settles, failed when it throws. Chained rather than awaited: an async
 * function here would be one more suspended frame on every traced step of every request.
 */
const endWhenSettled = <T>(span: Span, work: () => Promise<T>): Promise<T> => {
  let working: Promise<T>;
  try {
    working = work();
  } catch (error) {
    endFailed(span, error);
    return Promise.reject(error);
  }
  return endOnSettled(span, working);
};

/** `working`, ending `span` when it settles: failed when it rejects. */
export const endOnSettled = <T>(span: Span, working: PromiseLike<T>): Promise<T> =>
  Promise.resolve(working).then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      endFailed(span, error);
      throw error;
    },
  );

/** Marks a span failed by `error`. */
export const failSpan = (span: Span, error: unknown): void => {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
};

/** Marks a span failed by `error` and ends it. */
export const endFailed = (span: Span, error: unknown): void => {
  failSpan(span, error);
  span.end();
};
