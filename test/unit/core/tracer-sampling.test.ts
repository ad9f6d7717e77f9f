import { ROOT_CONTEXT } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTracing } from '../../../src/core/tracing/tracer-provider.js';

/*
 * The README says sampling is the SDK's, read from the standard OTEL_TRACES_SAMPLER variables:
 * a provider started with them makes unsampled spans non-recording, and records at 100% without.
 */
describe('tracing sampler', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const recorded = (spans: number): number => {
    const { tracing } = startTracing({ serviceName: 'test', serviceVersion: '0', exportOtlp: false });
    let count = 0;
    for (let index = 0; index < spans; index++) {
      const span = tracing.tracer.startSpan('probe', {}, ROOT_CONTEXT);
      if (span.isRecording()) count++;
      span.end();
    }
    return count;
  };

  it('records every span by default', () => {
    expect(recorded(200)).toBe(200);
  });

  it('follows OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG', () => {
    vi.stubEnv('OTEL_TRACES_SAMPLER', 'always_off');
    expect(recorded(200)).toBe(0);
    vi.stubEnv('OTEL_TRACES_SAMPLER', 'parentbased_traceidratio');
    vi.stubEnv('OTEL_TRACES_SAMPLER_ARG', '0.25');
    const share = recorded(4_000) / 4_000;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.32);
  });
});
