import { ROOT_CONTEXT } from '@opentelemetry/api';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { endFailed, endOnSettled, type Tracing } from '../core/tracing/tracing.js';
import type { TracedContext } from './request-tracing.js';

const isPromise = (value: unknown): value is Promise<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

/**
 * A span per root field of every query, `read account`: its read of the read models (or of the
 * log, for the temporal queries), a child of the operation's span, which the context carries
 * (`traceContext`) on HTTP and WebSocket alike. Only the root fields are wrapped, once, when the
 * schema is built: a plugin's `willResolveField` would have Apollo wrap every field of the
 * schema and call in on each one resolved, which costs more than the spans themselves.
 */
export const traceQueryReads = (schema: GraphQLSchema, tracing: Tracing): void => {
  const fields = schema.getQueryType()?.getFields() ?? {};
  for (const field of Object.values(fields)) {
    const resolve: GraphQLFieldResolver<unknown, TracedContext> = field.resolve ?? defaultFieldResolver;
    const name = `read ${field.name}`;
    const attributes = { 'graphql.field.name': field.name };
    field.resolve = (source, args, context: TracedContext, info) => {
      const span = tracing.startSpan(name, { attributes }, context.traceContext ?? ROOT_CONTEXT);
      if (!span.isRecording()) return resolve(source, args, context, info);
      let result: unknown;
      try {
        result = resolve(source, args, context, info);
      } catch (error) {
        endFailed(span, error);
        throw error;
      }
      if (isPromise(result)) return endOnSettled(span, result);
      span.end();
      return result;
    };
  }
};
