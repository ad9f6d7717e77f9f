import { type GraphQLFormattedError, Kind, type OperationDefinitionNode } from 'graphql';
import type { Logger } from '../core/logger.js';
import type { EsgraphMetrics } from '../core/metrics/esgraph-metrics.js';
import type { OperationNames } from '../core/metrics/operation-names.js';

/** What every GraphQL context the server builds carries, for request logs and metrics. */
export interface OperationCaller {
  readonly requestId: string;
  /** The token's user; undefined for an anonymous request. */
  readonly userId?: string | undefined;
}

/** One GraphQL operation as it is recorded: never its variables, never a token. */
export interface RecordedOperation {
  /** The operation's name as the document gives it (the metrics label is bounded from it). */
  readonly name: string | undefined;
  /** query, mutation, subscription; `unknown` when the document never got that far. */
  readonly type: string;
  /** `ok`, or the first error's `extensions.code`. */
  readonly outcome: string;
  readonly startedAt: number;
  readonly caller: OperationCaller;
  readonly transport: 'http' | 'ws';
}

/** The outcome an answer is counted and logged under: `ok`, or its first error's code. */
export const outcomeCode = (errors: readonly GraphQLFormattedError[] | undefined): string => {
  if (errors === undefined || errors.length === 0) return 'ok';
  const code = errors[0]!.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
};

/** A subscription's root field (a subscription has exactly one): the label its gauges carry. */
export const subscriptionField = (operation: OperationDefinitionNode): string => {
  const [first] = operation.selectionSet.selections;
  return first?.kind === Kind.FIELD ? first.name.value : 'unknown';
};

/**
 * Records GraphQL operations on both transports: one `info` line each (`REQUEST_LOG`), and the
 * operation histogram (`METRICS`). Either may be off; with both off nothing is timed. The line
 * names the operation, its type, outcome, duration, request id and user, and nothing the client
 * sent beyond the operation's name: no variables, no document, no header.
 */
export class OperationRecorder {
  /** Whether anything is recorded, so callers skip the clock when not. */
  readonly enabled: boolean;

  constructor(
    private readonly log: Logger | undefined,
    private readonly metrics: EsgraphMetrics | undefined,
    private readonly names: OperationNames,
  ) {
    this.enabled = log !== undefined || metrics !== undefined;
  }

  get subscriptionMetrics(): EsgraphMetrics | undefined {
    return this.metrics;
  }

  record(outcome: RecordedOperation): void {
    const seconds = (performance.now() - outcome.startedAt) / 1000;
    this.metrics?.operation(this.names.label(outcome.name), outcome.type, outcome.outcome, seconds);
    this.log?.info(
      {
        operation: outcome.name ?? null,
        type: outcome.type,
        outcome: outcome.outcome,
        durationMs: Math.round(seconds * 1e4) / 10,
        requestId: outcome.caller.requestId,
        userId: outcome.caller.userId,
        transport: outcome.transport,
      },
      'graphql operation',
    );
  }

  /** A subscription's start and end, over WebSocket: one line each, the end with its messages. */
  subscription(event: 'started' | 'ended', caller: OperationCaller, name: string | undefined, detail: object): void {
    this.log?.info(
      { operation: name ?? null, requestId: caller.requestId, userId: caller.userId, ...detail },
      `subscription ${event}`,
    );
  }
}
