import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Tracing } from '../tracing/tracing.js';
import { commandOutcome } from './command-metrics.js';
import type { CommandMiddleware } from './command-middleware.js';

/**
 * A span per command, from the moment the pipeline takes it until it is settled, as a child of
 * the GraphQL operation that sent it, or of the command whose event a process manager reacted
 * to (so a transfer's steps stay in its request's trace). Its trace context goes into the
 * command's metadata as `traceparent` and `tracestate`, and so into each of its events'
 * metadata: projections and subscription pushes link back to it from there. An unrecorded
 * command stamps only a context its client sent: a trace begun here and not sampled is nothing
 * anyone can look up. Listed first (`app.ts`), so a command stamping or authorization
 * refuses has its span too. The pipeline's decide and append spans are its children.
 */
export const commandTracing = (tracing: Tracing): CommandMiddleware => ({
  name: 'command-tracing',
  before: (command) => {
    const { traceContext, causedBy } = command.request;
    const parent = traceContext ?? (causedBy === undefined ? ROOT_CONTEXT : tracing.contextFrom(causedBy));
    const span = tracing.startSpan(
      `command ${command.type}`,
      { attributes: { 'esgraph.command.type': command.type } },
      parent,
    );
    const recorded = span.isRecording();
    // A trace no one records, begun here rather than by a client, is nothing to link back to;
    // nor is it held: the pipeline's steps for it are in no recorded trace (Tracing.commandContext).
    if (!recorded && span.spanContext().isRemote !== true) return undefined;
    const context = trace.setSpan(ROOT_CONTEXT, span);
    if (recorded) tracing.holdCommandContext(command, context);
    return tracing.carrierOf(context);
  },
  after: (command, settled) => {
    const held = tracing.releaseCommandContext(command);
    const span = held === undefined ? undefined : trace.getSpan(held);
    if (span === undefined || !span.isRecording()) return;
    const outcome = settled.ok ? 'ok' : commandOutcome(settled.error);
    const commandId = command.metadata?.commandId;
    span.setAttributes({
      'esgraph.command.outcome': outcome,
      ...(settled.batch !== undefined ? { 'esgraph.command.attempts': settled.batch.attempts } : {}),
      ...(typeof commandId === 'string' ? { 'esgraph.command.id': commandId } : {}),
    });
    if (!settled.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    span.end();
  },
});
