import { randomUUID } from 'node:crypto';
import { type Context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { type DocumentNode, type GraphQLFormattedError, getOperationAST } from 'graphql';
import type { Tracing } from '../core/tracing/tracing.js';
import { type OperationCaller, type OperationRecorder, outcomeCode, subscriptionField } from './operation-record.js';
import { endOperationSpan, nameOperationSpan } from './request-tracing.js';

/** Where a WebSocket operation's trace may come from: its `subscribe` payload's extensions, then the upgrade's headers. */
export interface TraceSources {
  readonly extensions?: Readonly<Record<string, unknown>> | undefined;
  readonly headers: Readonly<Record<string, unknown>>;
}

/** One WebSocket operation from its `subscribe` message to its end. */
interface WsOperation {
  readonly requestId: string;
  readonly startedAt: number;
  name: string | undefined;
  type: string;
  caller: OperationCaller | undefined;
  /** A subscription's root field, once its document is known. */
  rootField: string | undefined;
  /** Set once a subscription's stream has started: its root field. */
  field: string | undefined;
  messages: number;
  /** A query's or mutation's answer (or a refusal) has been recorded. */
  recorded: boolean;
  /** With tracing: the operation's span, and its context for what the operation does. */
  span: Span | undefined;
  traceContext: Context | undefined;
}

/** Why an operation ended before its answer: its client completed it, or its socket closed. */
const cancelledOutcome = 'CANCELLED';

/**
 * What the WebSocket endpoint tells the recorder and the tracer, hook by hook of graphql-ws: a
 * query or mutation is one recorded operation (like HTTP's), a subscription is recorded when its
 * stream starts (the histogram times its start) and logged again when it ends, with the messages
 * it pushed. With tracing, each operation has a server span from its `subscribe` message until it
 * is recorded so (a subscription's: its start), continuing the trace its payload's extensions or
 * the upgrade request's headers name (`traceparent`); its commands and reads are its children.
 * Errors are seen after the formatter, so codes are the ones clients get.
 */
export class WebSocketOperationRecords {
  readonly #operations = new WeakMap<object, Map<string, WsOperation>>();

  constructor(
    private readonly recorder: OperationRecorder | undefined,
    private readonly tracing?: Tracing,
  ) {}

  /** A `subscribe` message arrived: its request id, which its context will carry. */
  begin(connection: object, id: string, traceSources?: TraceSources): string {
    const requestId = randomUUID();
    let operations = this.#operations.get(connection);
    if (operations === undefined) {
      operations = new Map();
      this.#operations.set(connection, operations);
    }
    const operation: WsOperation = {
      requestId,
      startedAt: performance.now(),
      name: undefined,
      type: 'unknown',
      caller: undefined,
      rootField: undefined,
      field: undefined,
      messages: 0,
      recorded: false,
      span: undefined,
      traceContext: undefined,
    };
    if (this.tracing !== undefined && traceSources !== undefined)
      this.#startSpan(this.tracing, operation, traceSources);
    operations.set(id, operation);
    return requestId;
  }

  /** The span context the operation's resolvers hand on (to commands, to reads); undefined untraced. */
  traceContextOf(connection: object, id: string): Context | undefined {
    return this.#find(connection, id)?.traceContext;
  }

  /** The request id `begin` gave the operation, when it had one. */
  requestIdOf(connection: object, id: string): string | undefined {
    return this.#find(connection, id)?.requestId;
  }

  /** Its document passed the checks: name and type are known. */
  resolved(connection: object, id: string, document: DocumentNode, operationName: string | null | undefined): void {
    const operation = this.#find(connection, id);
    const definition = getOperationAST(document, operationName);
    if (operation === undefined || !definition) return;
    operation.name = definition.name?.value;
    operation.type = definition.operation;
    operation.rootField = definition.operation === 'subscription' ? subscriptionField(definition) : undefined;
    if (operation.span) nameOperationSpan(operation.span, operation.type, operation.name);
  }

  /** graphql-ws ran it: a subscription whose stream started is open from here on. */
  ran(connection: object, id: string, caller: OperationCaller, streamStarted: boolean): void {
    const operation = this.#find(connection, id);
    if (operation === undefined) return;
    operation.caller = caller;
    if (!streamStarted) return;
    const field = operation.rootField ?? 'unknown';
    operation.field = field;
    this.recorder?.subscriptionMetrics?.subscriptionOpened(field);
    this.#record(operation, 'ok');
    this.recorder?.subscription('started', caller, operation.name, { field });
  }

  /** A `next` message, formatted: a pushed event of a subscription, or a query's answer. */
  next(connection: object, id: string, errors: readonly GraphQLFormattedError[] | undefined): void {
    const operation = this.#find(connection, id);
    if (operation === undefined) return;
    if (operation.field !== undefined) {
      operation.messages++;
      this.recorder?.subscriptionMetrics?.messagePushed(operation.field);
    } else this.#record(operation, outcomeCode(errors));
  }

  /**
   * An `error` message, formatted. Before a stream started it is a refusal, which ends the
   * operation with no `onComplete` from graphql-ws, so it is forgotten here; a started stream
   * that failed is completed (and its gauge closed) by `complete`, which graphql-ws still calls.
   */
  error(connection: object, id: string, errors: readonly GraphQLFormattedError[]): void {
    const operations = this.#operations.get(connection);
    const operation = operations?.get(id);
    if (operation === undefined || operation.field !== undefined) return;
    operations!.delete(id);
    this.#record(operation, outcomeCode(errors));
  }

  /** The operation is over (completed by either side, or its socket closed). */
  complete(connection: object, id: string): void {
    const operations = this.#operations.get(connection);
    const operation = operations?.get(id);
    if (operation === undefined) return;
    operations!.delete(id);
    // Completed before its answer or its stream: the span says so, nothing else records it.
    if (!operation.recorded) this.#endSpan(operation, cancelledOutcome);
    const { field, caller } = operation;
    if (field === undefined || caller === undefined) return;
    this.recorder?.subscriptionMetrics?.subscriptionClosed(field);
    this.recorder?.subscription('ended', caller, operation.name, {
      field,
      messages: operation.messages,
      durationMs: Math.round(performance.now() - operation.startedAt),
    });
  }

  #find(connection: object, id: string): WsOperation | undefined {
    return this.#operations.get(connection)?.get(id);
  }

  #startSpan(tracing: Tracing, operation: WsOperation, { extensions, headers }: TraceSources): void {
    const fromExtensions = extensions !== undefined && typeof extensions.traceparent === 'string';
    const parent = tracing.contextFrom(fromExtensions ? extensions : headers);
    const span = tracing.startSpan(
      'graphql operation',
      { kind: SpanKind.SERVER, attributes: { 'esgraph.transport': 'ws' } },
      parent,
    );
    operation.span = span;
    operation.traceContext = trace.setSpan(parent, span);
  }

  #endSpan(operation: WsOperation, outcome: string): void {
    const { span } = operation;
    if (span === undefined) return;
    operation.span = undefined;
    endOperationSpan(span, outcome);
  }

  #record(operation: WsOperation, outcome: string): void {
    if (operation.recorded) return;
    operation.recorded = true;
    this.#endSpan(operation, outcome);
    this.recorder?.record({
      name: operation.name,
      type: operation.type,
      outcome,
      startedAt: operation.startedAt,
      caller: operation.caller ?? { requestId: operation.requestId },
      transport: 'ws',
    });
  }
}
