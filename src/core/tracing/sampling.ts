import { type Link, type SpanContext, TraceFlags } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';

/** The samplers `OTEL_TRACES_SAMPLER` names that esgraph runs (the SDK's own, by their standard names). */
export const samplerNames = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof samplerNames)[number];

/** Which spans are recorded: `OTEL_TRACES_SAMPLER` and, for the ratio ones, `OTEL_TRACES_SAMPLER_ARG`. */
export interface SamplingConfig {
  readonly sampler: SamplerName;
  /** The share of new traces recorded, 0 to 1; only the ratio samplers read it. */
  readonly ratio: number;
}

/**
 * esgraph's default, where OpenTelemetry's is every trace: one new trace in a hundred, every trace
 * a client sent sampled, and every batch linked to a recorded command. Recording every span of
 * every request costs a fifth of a query's CPU (README, bench:observability); a request that is
 * not recorded costs a few microseconds, so this default keeps tracing's cost under 5% and still
 * records a hundred traces a second at 10,000 operations a second.
 */
export const DEFAULT_SAMPLING: SamplingConfig = { sampler: 'parentbased_traceidratio', ratio: 0.01 };

/** Whether a span context's trace is sampled (recorded, by whoever made it). */
export const isSampled = (spanContext: Pick<SpanContext, 'traceFlags'>): boolean =>
  (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;

/** Whether any link is to a sampled span: what records a root span whatever the ratio says. */
export const linksToRecorded = (links: readonly Link[] | undefined): boolean =>
  links?.some((link) => isSampled(link.context)) === true;

/**
 * A root span (a projection batch, a process manager's reaction, a pushed message) is recorded
 * when it links to a recorded span, so a recorded request's trace reaches what its events caused;
 * other roots are left to `otherwise`.
 */
class LinkedOrSampler implements Sampler {
  constructor(readonly otherwise: Sampler) {}

  shouldSample(...args: Parameters<Sampler['shouldSample']>): SamplingResult {
    if (linksToRecorded(args[5])) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    return this.otherwise.shouldSample(...args);
  }

  toString(): string {
    return `LinkedOr{${this.otherwise.toString()}}`;
  }
}

/** How a tracer provider samples, as `samplerFor` builds it. */
export interface Sampling {
  /** What the SDK asks about each span it is handed. */
  readonly sampler: Sampler;
  /** The sampler never records a child of an unsampled span (the parent-based ones). */
  readonly followsParent: boolean;
  /**
   * The share of new traces `Tracing` records, deciding a root span before the SDK sees it; set
   * for `parentbased_traceidratio`, whose SDK sampler then records every root it is handed.
   */
  readonly rootRatio?: number;
}

/** The SDK sampler a config names, and what `Tracing` decides before the SDK. */
export const samplerFor = (config: SamplingConfig): Sampling => {
  switch (config.sampler) {
    case 'always_on':
      return { sampler: new AlwaysOnSampler(), followsParent: false };
    case 'always_off':
      return { sampler: new AlwaysOffSampler(), followsParent: false };
    case 'traceidratio':
      return { sampler: new LinkedOrSampler(new TraceIdRatioBasedSampler(config.ratio)), followsParent: false };
    case 'parentbased_always_on':
      return { sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }), followsParent: true };
    case 'parentbased_always_off':
      return { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }), followsParent: true };
    case 'parentbased_traceidratio':
      // A root's trace id is new and random, so a random draw picks the same share as the SDK's
      // threshold on that id would, without the SDK making the span's ids and objects first.
      return {
        sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
        followsParent: true,
        rootRatio: config.ratio,
      };
  }
};
