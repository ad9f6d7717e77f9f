import {
  type Context,
  INVALID_SPAN_CONTEXT,
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
import { isSampled, linksToRecorded, type Sampling } from './sampling.js';

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
  readonly #tracer: Tracer;
  readonly #followsParent: boolean;
  readonly #rootRatio: number | undefined;

  /** `sampling`: how the tracer's provider samples (`samplerFor`), which decides what skips the SDK. */
  constructor(tracer: Tracer, sampling: Pick<Sampling, 'followsParent' | 'rootRatio'>) {
    this.#tracer = tracer;
    this.#followsParent = sampling.followsParent;
    this.#rootRatio = sampling.rootRatio;
  }

  /**
   * A span, a child of `parent`'s span, or a root. What the sampler would not record skips the
   * SDK, which makes ids, sanitises attributes and builds objects before it asks the sampler (in
   * the server that cost an unrecorded request three quarters of a recorded one's tracing time):
   * - a child of an unsampled span, where the sampler follows the parent, is that span itself,
   *   so what it hands on (the `traceparent` a client sent) is its parent's, as unrecorded;
   * - a root left out by the ratio (`rootRatio`), and linked to no recorded span, is a shared
   *   span with no trace at all: nothing records it or its children, and nothing links to it.
   */
  startSpan(name: string, options: SpanOptions, parent: Context): Span {
    if (this.#followsParent) {
      const parentSpan = trace.getSpan(parent);
      if (parentSpan !== undefined) {
        // Our contexts hold spans the SDK made or the W3C propagator validated: no validity check.
        if (!isSampled(parentSpan.spanContext())) return parentSpan;
      } else if (this.#rootRatio !== undefined && !recordsRoot(options.links, this.#rootRatio)) {
        return UNRECORDED_ROOT;
      }
    }
    return this.#tracer.startSpan(name, options, parent);
  }

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

  /**
   * Links to the spans the items' carriers name, each span once, at most `MAX_LINKS_PER_SPAN`:
   * the recorded (sampled) ones first, so a batch of thousands keeps its links to the traces
   * someone can look at, and the sampler records the batch because of them.
   */
  linksFrom<T>(items: Iterable<T>, carrierOf: (item: T) => Readonly<Record<string, unknown>>): Link[] {
    const sampled: Link[] = [];
    const unsampled: Link[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const link = this.linkFrom(carrierOf(item));
      if (link === undefined || seen.has(link.context.spanId)) continue;
      seen.add(link.context.spanId);
      if (isSampled(link.context)) {
        sampled.push(link);
        if (sampled.length === MAX_LINKS_PER_SPAN) break;
      } else if (unsampled.length < MAX_LINKS_PER_SPAN) {
        unsampled.push(link);
      }
    }
    return [...sampled, ...unsampled].slice(0, MAX_LINKS_PER_SPAN);
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
    const span = this.startSpan(name, options, parent);
    if (span.isRecording()) return endWhenSettled(span, () => work(span, trace.setSpan(parent, span)));
    // Nothing to end: an unrecorded span's end is a no-op, so the work is not chained on.
    return settledWork(() => work(span, unrecordedContext(parent, span)));
  }

  /** `inSpan` for work that starts no span of its own, so no context is made for it. */
  aroundSpan<T>(name: string, options: SpanOptions, parent: Context, work: () => Promise<T>): Promise<T> {
    const span = this.startSpan(name, options, parent);
    return span.isRecording() ? endWhenSettled(span, work) : settledWork(work);
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

  /**
   * The command span's context: the one held for it (a recorded span's), else the one its
   * metadata names (a client's unrecorded one), else none recorded: `commandTracing` holds and
   * stamps nothing for a trace begun here and left out, and what the pipeline does for such a
   * command is in no recorded trace either.
   */
  commandContext(command: object, metadata: Readonly<Record<string, unknown>>): Context {
    const held = this.#commandContexts.get(command);
    if (held !== undefined) return held;
    return typeof metadata.traceparent === 'string' ? this.contextFrom(metadata) : UNRECORDED_ROOT_CONTEXT;
  }

  /**
   * Whether a span started under `context` may be recorded: not under an unrecorded span when
   * the sampler follows its parent (`startSpan` hands back that span), so callers can skip work
   * that only a recorded span would read.
   */
  mayRecordUnder(context: Context): boolean {
    if (!this.#followsParent) return true;
    const span = trace.getSpan(context);
    return span === undefined || isSampled(span.spanContext());
  }
}

/** Whether a context's span is being recorded (sampled in): what a sampled request's spans hang from. */
export const isRecorded = (context: Context): boolean => trace.getSpan(context)?.isRecording() === true;

/** Whether a new trace is recorded: it links to a recorded span, or the ratio's draw picks it. */
const recordsRoot = (links: readonly Link[] | undefined, ratio: number): boolean =>
  linksToRecorded(links) || Math.random() < ratio;

/** The span of every new trace the ratio leaves out: invalid, so it is never stamped or linked to. */
const UNRECORDED_ROOT: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
/** Its context, made once: most requests' (a context is a copied map, and it would be the same every time). */
const UNRECORDED_ROOT_CONTEXT = trace.setSpan(ROOT_CONTEXT, UNRECORDED_ROOT);

/** The context an unrecorded span hands on: its parent's when it is the parent's span itself. */
const unrecordedContext = (parent: Context, span: Span): Context => {
  if (trace.getSpan(parent) === span) return parent;
  return span === UNRECORDED_ROOT && parent === ROOT_CONTEXT ? UNRECORDED_ROOT_CONTEXT : trace.setSpan(parent, span);
};

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

/** `work()`, a throw from it turned into a rejection as `endWhenSettled` turns it. */
const settledWork = <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return work();
  } catch (error) {
    return Promise.reject(error);
  }
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
