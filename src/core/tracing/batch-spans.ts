import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import type { EventEnvelope } from '../eventstore/event-envelope.js';
import type { Tracing } from './tracing.js';

/**
 * Runs a batch of events (a projection's, a process manager's) in a span of its own trace,
 * linked to the commands that wrote them (their events' `traceparent`), at most
 * `MAX_LINKS_PER_SPAN`: a batch answers to many requests, so it is no one request's child.
 */
export const traceBatch = <T>(
  tracing: Tracing,
  name: string,
  events: readonly EventEnvelope[],
  work: () => Promise<T>,
): Promise<T> =>
  tracing.aroundSpan(
    name,
    {
      kind: SpanKind.CONSUMER,
      links: tracing.linksFrom(events, (event) => event.metadata),
      attributes: {
        'esgraph.batch.events': events.length,
        'esgraph.batch.first_position': String(events[0]?.position ?? ''),
        'esgraph.batch.last_position': String(events[events.length - 1]?.position ?? ''),
      },
    },
    ROOT_CONTEXT,
    work,
  );
