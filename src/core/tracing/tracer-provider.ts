import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { type SamplingConfig, samplerFor } from './sampling.js';
import { MAX_LINKS_PER_SPAN, Tracing } from './tracing.js';

export interface TracingSetup {
  /** `OTEL_SERVICE_NAME`, else esgraph. */
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** Whether spans go to OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT` set); the exporter reads the other `OTEL_EXPORTER_OTLP_*` itself. */
  readonly exportOtlp: boolean;
  /** Which spans are recorded (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`, read by config.ts). */
  readonly sampling: SamplingConfig;
  /** Further processors (tests hand in an in-memory exporter's). */
  readonly processors?: readonly SpanProcessor[];
}

export interface StartedTracing {
  readonly tracing: Tracing;
  /** Exports what is pending, then stops the processors. */
  readonly shutdown: () => Promise<void>;
}

/**
 * A tracer provider of this process's own, not registered as the global one, so several in one
 * test process keep their spans apart. No context manager is registered either: esgraph hands
 * span contexts on explicitly (see `Tracing.inSpan`).
 */
export const startTracing = (setup: TracingSetup): StartedTracing => {
  const sampling = samplerFor(setup.sampling);
  const provider = new BasicTracerProvider({
    sampler: sampling.sampler,
    resource: defaultResource().merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: setup.serviceName, [ATTR_SERVICE_VERSION]: setup.serviceVersion }),
    ),
    spanLimits: { linkCountLimit: MAX_LINKS_PER_SPAN },
    spanProcessors: [
      ...(setup.exportOtlp ? [new BatchSpanProcessor(new OTLPTraceExporter())] : []),
      ...(setup.processors ?? []),
    ],
  });
  return {
    tracing: new Tracing(provider.getTracer('esgraph', setup.serviceVersion), sampling),
    shutdown: () => provider.shutdown(),
  };
};
