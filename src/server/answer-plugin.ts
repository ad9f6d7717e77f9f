import type { ApolloServerPlugin } from '@apollo/server';
import { ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import type { Tracing } from '../core/tracing/tracing.js';
import { statusFromCodes } from './error-status.js';
import { type OperationCaller, type OperationRecorder, outcomeCode } from './operation-record.js';
import { endOperationSpan, nameOperationSpan, type TracedContext } from './request-tracing.js';

/** What the answer plugin does beside setting the status; each is absent where it is off. */
export interface AnswerPluginOptions {
  readonly recorder?: OperationRecorder | undefined;
  readonly tracing?: Tracing | undefined;
}

/**
 * Everything esgraph does with each HTTP answer, in one Apollo request listener: its status from
 * its codes (`statusFromCodes`), its record (a log line and the operation histogram) and its
 * operation span. One listener because Apollo calls every listener at each stage of a request
 * (source, parsing, validation, operation, execution, response) through a promise of its own,
 * whether the listener has that hook or not: as listeners of their own, metrics and tracing
 * would pay a dozen promises per request for nothing (README, bench:observability).
 *
 * The span is a child of the request's span (the context's `traceContext`, which graphql-http.ts
 * sets) and replaces it on the operation's context, so commands take it as their parent
 * (resolvers pass the context as the request identity), and so do a query's read spans
 * (`traceQueryReads`). It is named with the operation (`mutation Deposit`) when it ends: nothing
 * reads the name before.
 */
export const answerPlugin = <Context extends OperationCaller & TracedContext>({
  recorder,
  tracing,
}: AnswerPluginOptions): ApolloServerPlugin<Context> => ({
  requestDidStart: async ({ contextValue }) => {
    const startedAt = recorder ? performance.now() : 0;
    const span = tracing ? startOperationSpan(tracing, contextValue) : undefined;
    return {
      willSendResponse: async ({ response, operation }) => {
        statusFromCodes(response, operation);
        if (recorder === undefined && span === undefined) return;
        const outcome = outcomeCode(response.body.kind === 'single' ? response.body.singleResult.errors : undefined);
        const type = operation?.operation ?? 'unknown';
        const name = operation?.name?.value;
        recorder?.record({ name, type, outcome, startedAt, caller: contextValue, transport: 'http' });
        if (span === undefined) return;
        nameOperationSpan(span, type, name);
        endOperationSpan(span, outcome);
      },
    };
  },
});

/** The operation's span, set as its context's parent; undefined when unsampled (nothing to name or end). */
const startOperationSpan = (tracing: Tracing, contextValue: TracedContext): Span | undefined => {
  const parent = contextValue.traceContext ?? ROOT_CONTEXT;
  const span = tracing.startSpan('graphql operation', {}, parent);
  if (!span.isRecording()) return undefined;
  contextValue.traceContext = trace.setSpan(parent, span);
  return span;
};
