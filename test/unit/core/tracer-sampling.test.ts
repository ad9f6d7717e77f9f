import { ROOT_CONTEXT, type Span, TraceFlags, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../../src/config.js';
import { DEFAULT_SAMPLING, type SamplingConfig } from '../../../src/core/tracing/sampling.js';
import { startTracing } from '../../../src/core/tracing/tracer-provider.js';

/*
 * The README says which spans are recorded: OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name
 * the SDK's samplers; unset, one new trace in a hundred, every trace a client sent sampled, and
 * every batch linked to a recorded command; a child of an unrecorded span is never recorded and
 * hands on its parent's trace context.
 */
const tracingWith = (sampling: SamplingConfig) => {
  const exporter = new InMemorySpanExporter();
  const { tracing } = startTracing({
    serviceName: 'test',
    serviceVersion: '0',
    exportOtlp: false,
    sampling,
    processors: [new SimpleSpanProcessor(exporter)],
  });
  return { tracing, exporter };
};

const samplingOf = (env: Record<string, string>): SamplingConfig => {
  const tracing = readConfig({ TRACING: 'on', ...env }).tracing;
  if (tracing === undefined) throw new Error('tracing is off');
  return tracing.sampling;
};

/** How many of `roots` new traces are recorded. */
const recordedRoots = (sampling: SamplingConfig, roots: number): number => {
  const { tracing } = tracingWith(sampling);
  let count = 0;
  for (let index = 0; index < roots; index++) {
    const span = tracing.startSpan('probe', {}, ROOT_CONTEXT);
    if (span.isRecording()) count++;
    span.end();
  }
  return count;
};

const SAMPLED_PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const UNSAMPLED_PARENT = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-00';

describe('tracing sampler', () => {
  it('records one new trace in a hundred by default, and follows a parent', () => {
    expect(samplingOf({})).toEqual(DEFAULT_SAMPLING);
    expect(DEFAULT_SAMPLING).toEqual({ sampler: 'parentbased_traceidratio', ratio: 0.01 });
    const share = recordedRoots(DEFAULT_SAMPLING, 20_000) / 20_000;
    expect(share).toBeGreaterThan(0.005);
    expect(share).toBeLessThan(0.015);
  });

  it('follows OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG', () => {
    expect(recordedRoots(samplingOf({ OTEL_TRACES_SAMPLER: 'always_off' }), 200)).toBe(0);
    expect(recordedRoots(samplingOf({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }), 200)).toBe(200);
    // A ratio sampler named without a ratio records everything, as the SDK's does.
    expect(recordedRoots(samplingOf({ OTEL_TRACES_SAMPLER: 'traceidratio' }), 200)).toBe(200);
    const quarter = samplingOf({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    expect(quarter).toEqual({ sampler: 'parentbased_traceidratio', ratio: 0.25 });
    const share = recordedRoots(quarter, 4_000) / 4_000;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.32);
    // The ratio alone keeps the default sampler.
    expect(samplingOf({ OTEL_TRACES_SAMPLER_ARG: '.5' })).toEqual({ sampler: 'parentbased_traceidratio', ratio: 0.5 });
  });

  it('refuses a sampler it does not run and a ratio outside 0 to 1', () => {
    expect(() => samplingOf({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toThrow(ConfigError);
    expect(() => samplingOf({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(ConfigError);
    expect(() => samplingOf({ OTEL_TRACES_SAMPLER_ARG: '-0.1' })).toThrow(ConfigError);
    expect(() => samplingOf({ OTEL_TRACES_SAMPLER_ARG: 'half' })).toThrow(ConfigError);
  });

  it('records every span of a trace a client sent sampled, at a ratio of 0', () => {
    const { tracing, exporter } = tracingWith({ sampler: 'parentbased_traceidratio', ratio: 0 });
    const request = tracing.startSpan('POST /graphql', {}, tracing.contextFrom({ traceparent: SAMPLED_PARENT }));
    const command = tracing.startSpan('command DepositMoney', {}, trace.setSpan(ROOT_CONTEXT, request));
    command.end();
    request.end();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['command DepositMoney', 'POST /graphql']);
    expect(tracing.carrierOf(trace.setSpan(ROOT_CONTEXT, command)).traceparent).toMatch(
      new RegExp(`^00-0af7651916cd43dd8448eb211c80319c-${command.spanContext().spanId}-01$`),
    );
  });

  it("makes an unrecorded span's children its own span, handing on its trace context", () => {
    const { tracing, exporter } = tracingWith({ sampler: 'parentbased_always_on', ratio: 1 });
    const parent = tracing.contextFrom({ traceparent: UNSAMPLED_PARENT });
    const request = tracing.startSpan('POST /graphql', {}, parent);
    const command = tracing.startSpan('command DepositMoney', {}, trace.setSpan(ROOT_CONTEXT, request));
    expect(request.isRecording()).toBe(false);
    expect(command).toBe(request);
    command.end();
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(tracing.carrierOf(trace.setSpan(ROOT_CONTEXT, command))).toEqual({ traceparent: UNSAMPLED_PARENT });
  });

  it('records a root span that links to a recorded span, and only then, at a ratio of 0', () => {
    const { tracing } = tracingWith({ sampler: 'parentbased_traceidratio', ratio: 0 });
    const batch = (traceparents: string[]): Span =>
      tracing.startSpan(
        'projection account-summary',
        { links: tracing.linksFrom(traceparents, (traceparent) => ({ traceparent })) },
        ROOT_CONTEXT,
      );
    expect(batch([UNSAMPLED_PARENT]).isRecording()).toBe(false);
    expect(batch([UNSAMPLED_PARENT, SAMPLED_PARENT]).isRecording()).toBe(true);
  });

  it('keeps the links to recorded spans first when a batch has more than it can link', () => {
    const { tracing } = tracingWith({ sampler: 'always_on', ratio: 1 });
    const traceparent = (index: number, flags: string) =>
      `00-${'1'.repeat(16)}${index.toString(16).padStart(16, '0')}-${index.toString(16).padStart(16, '0')}-${flags}`;
    const carriers = [
      ...Array.from({ length: 40 }, (_, index) => traceparent(index + 1, '00')),
      traceparent(100, '01'),
      traceparent(101, '01'),
    ];
    const links = tracing.linksFrom(carriers, (value) => ({ traceparent: value }));
    expect(links).toHaveLength(32);
    expect(links.slice(0, 2).map((link) => link.context.traceFlags)).toEqual([TraceFlags.SAMPLED, TraceFlags.SAMPLED]);
    expect(links.slice(2).every((link) => link.context.traceFlags === TraceFlags.NONE)).toBe(true);
  });
});
