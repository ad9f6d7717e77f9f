import { randomBytes, randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import {
  AccountDocument,
  AccountHistoryDocument,
  AccountUpdatedDocument,
  DepositDocument,
  OpenAccountDocument,
  RequestTransferDocument,
} from '../../generated/graphql.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { executeOk, subscribe, wsClient } from '../../support/graphql-client.js';
import { metricsUrlOf, sampleOf, scrape } from '../../support/metrics.js';
import { bearer, staffToken } from '../../support/test-tokens.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * Traces through a whole esgraph, read from an in-memory exporter: a client's traceparent is
 * continued by the request, operation, command, decide and append spans, travels in the event's
 * metadata, and the projection batch and the subscription push link back to the command. A
 * second instance on the same store, tracing off and without the projector role, writes no
 * trace context at all.
 */

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const clientTrace = () => {
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
};

describe('tracing', () => {
  let dependencies: TestDependencies;
  let traced: RunningEsgraph;
  let untraced: RunningEsgraph;
  const exporter = new InMemorySpanExporter();
  beforeAll(async () => {
    dependencies = await startTestDependencies();
    traced = await startTestEsgraph(dependencies, {}, { spanProcessors: [new SimpleSpanProcessor(exporter)] });
    untraced = await startTestEsgraph(dependencies, { SERVICE_ROLES: 'command,query' });
  });
  afterAll(async () => {
    await untraced?.stop();
    await traced?.stop();
    await dependencies?.stop();
  });

  const post = (url: string, query: string, variables: object, headers: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: bearer(staffToken), ...headers },
      body: JSON.stringify({ query, variables }),
    });
  const spansOf = (traceId: string) =>
    exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  const linkedTo = (spanId: string) =>
    exporter.getFinishedSpans().filter((span) => span.links.some((link) => link.context.spanId === spanId));
  const named = (spans: readonly ReadableSpan[], name: string) => {
    const span = spans.find((candidate) => candidate.name === name);
    if (!span) throw new Error(`no span ${name} among ${spans.map((candidate) => candidate.name).join(', ')}`);
    return span;
  };
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const depositMetadata = async (url: string, accountId: string) => {
    const history = await executeOk(url, AccountHistoryDocument, { id: accountId });
    const deposit = history.accountHistory.edges.map(({ node }) => node).find((node) => node.type === 'MoneyDeposited');
    return deposit?.metadata as Record<string, unknown>;
  };

  it('continues a client’s trace to the command, its event’s metadata, the projection batch and the subscription push', async () => {
    const accountId = randomUUID();
    await executeOk(traced.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    const client = wsClient(traced.url);
    const updates = subscribe(client, AccountUpdatedDocument, { id: accountId });
    try {
      const pushed = updates.next();
      await waitFor('the subscription open', async () =>
        sampleOf(await scrape(metricsUrlOf(traced.url)), 'esgraph_subscriptions_open', { field: 'accountUpdated' }) ===
        1
          ? true
          : undefined,
      );
      const { traceId, spanId, traceparent } = clientTrace();
      const response = await post(
        traced.url,
        print(DepositDocument),
        { input: { accountId, amount: '3.00' } },
        {
          traceparent,
        },
      );
      expect(response.status).toBe(200);
      await pushed;

      const http = await waitFor('the request span', () =>
        spansOf(traceId).find((span) => span.kind === SpanKind.SERVER && span.name === 'POST /graphql'),
      );
      expect(parentOf(http)).toBe(spanId);
      expect(http.attributes).toMatchObject({
        'http.request.method': 'POST',
        'http.route': '/graphql',
        'http.response.status_code': 200,
      });
      const spans = await waitFor('the command span', () =>
        spansOf(traceId).some((span) => span.name === 'command DepositMoney') ? spansOf(traceId) : undefined,
      );
      const operation = named(spans, 'mutation Deposit');
      expect(parentOf(operation)).toBe(http.spanContext().spanId);
      const command = named(spans, 'command DepositMoney');
      expect(parentOf(command)).toBe(operation.spanContext().spanId);
      expect(command.attributes['esgraph.command.outcome']).toBe('ok');
      const commandSpanId = command.spanContext().spanId;
      expect(parentOf(named(spans, 'decide'))).toBe(commandSpanId);
      expect(parentOf(named(spans, 'append'))).toBe(commandSpanId);

      expect((await depositMetadata(traced.url, accountId)).traceparent).toBe(`00-${traceId}-${commandSpanId}-01`);

      const batch = await waitFor('the projection batch linked to the command', () =>
        linkedTo(commandSpanId).find((span) => span.name === 'projection account-summary'),
      );
      expect(batch.spanContext().traceId).not.toBe(traceId);
      expect(batch.kind).toBe(SpanKind.CONSUMER);
      const push = await waitFor('the subscription push linked to the command', () =>
        linkedTo(commandSpanId).find((span) => span.name === 'subscription message account-summary'),
      );
      expect(push.links[0]?.context.traceId).toBe(traceId);
    } finally {
      await updates.return?.();
      await client.dispose();
    }
  });

  it('links the process manager’s batch to the command it reacts to, and keeps its steps in the client’s trace', async () => {
    const [source, target] = [randomUUID(), randomUUID()];
    for (const accountId of [source, target]) {
      await executeOk(traced.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    }
    await executeOk(traced.url, DepositDocument, { input: { accountId: source, amount: '5.00' } });
    const { traceId, traceparent } = clientTrace();
    const response = await post(
      traced.url,
      print(RequestTransferDocument),
      { input: { fromAccountId: source, toAccountId: target, amount: '2.00' } },
      { traceparent },
    );
    expect(response.status).toBe(200);
    const requested = await waitFor('the transfer command span', () =>
      spansOf(traceId).find((span) => span.name === 'command RequestTransfer'),
    );
    const reaction = await waitFor('the process manager batch linked to it', () =>
      linkedTo(requested.spanContext().spanId).find((span) => span.name === 'process manager transfer-process'),
    );
    expect(reaction.spanContext().traceId).not.toBe(traceId);
    // The steps the process manager sends in reaction are children of the command that caused them.
    const steps = await waitFor('the transfer settled in steps under the request', () => {
      const found = spansOf(traceId).filter(
        (span) => parentOf(span) === requested.spanContext().spanId && span.name.startsWith('command '),
      );
      return found.length >= 2 ? found : undefined;
    });
    expect(steps.map((span) => span.attributes['esgraph.command.outcome'])).not.toContain(undefined);
  });

  it('puts a query’s read in the client’s trace, under its operation', async () => {
    const { traceId, traceparent } = clientTrace();
    const response = await post(traced.url, print(AccountDocument), { id: randomUUID() }, { traceparent });
    expect(response.status).toBe(200);
    const spans = await waitFor('the read span', () =>
      spansOf(traceId).some((span) => span.name === 'read account') ? spansOf(traceId) : undefined,
    );
    const operation = named(spans, 'query Account');
    // Answered without errors: its outcome is ok, and the span is not marked failed.
    expect(operation.attributes['esgraph.outcome']).toBe('ok');
    expect(operation.status.code).toBe(SpanStatusCode.UNSET);
    expect(parentOf(named(spans, 'read account'))).toBe(operation.spanContext().spanId);
    expect(parentOf(operation)).toBe(named(spans, 'POST /graphql').spanContext().spanId);
  });

  it('gives each WebSocket operation a span in the trace its extensions name, with its command and reads under it', async () => {
    const accountId = randomUUID();
    await executeOk(traced.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    const client = wsClient(traced.url);
    const { traceId, spanId, traceparent } = clientTrace();
    const operation = <Variables>(document: TypedDocumentNode<unknown, Variables>, variables: Variables) =>
      client.iterate({
        query: print(document),
        variables: variables as Record<string, unknown>,
        extensions: { traceparent },
      });
    const answer = async <Variables>(document: TypedDocumentNode<unknown, Variables>, variables: Variables) => {
      const results = operation(document, variables);
      const first = await results.next();
      await results.return?.();
      return first.value as { errors?: unknown };
    };
    try {
      expect((await answer(DepositDocument, { input: { accountId, amount: '2.00' } })).errors).toBeUndefined();
      expect((await answer(AccountDocument, { id: accountId })).errors).toBeUndefined();
      // A subscription's span covers its start (listening, reading the current state), not its life.
      const updates = operation(AccountUpdatedDocument, { id: accountId });
      const pushed = updates.next();
      await waitFor('the subscription’s span', () =>
        spansOf(traceId).find((span) => span.name === 'subscription AccountUpdated'),
      );
      await updates.return?.();
      await pushed;

      const spans = await waitFor('the three operations’ spans', () => {
        const found = spansOf(traceId);
        const names = found.map((span) => span.name);
        return ['command DepositMoney', 'read account', 'subscription AccountUpdated'].every((name) =>
          names.includes(name),
        )
          ? found
          : undefined;
      });
      for (const name of ['mutation Deposit', 'query Account', 'subscription AccountUpdated']) {
        const operation = named(spans, name);
        expect(operation.kind).toBe(SpanKind.SERVER);
        expect(parentOf(operation)).toBe(spanId);
        expect(operation.attributes['esgraph.transport']).toBe('ws');
        expect(operation.attributes['esgraph.outcome']).toBe('ok');
      }
      const command = named(spans, 'command DepositMoney');
      expect(parentOf(command)).toBe(named(spans, 'mutation Deposit').spanContext().spanId);
      expect(parentOf(named(spans, 'read account'))).toBe(named(spans, 'query Account').spanContext().spanId);
      expect((await depositMetadata(traced.url, accountId)).traceparent).toBe(
        `00-${traceId}-${command.spanContext().spanId}-01`,
      );
    } finally {
      await client.dispose();
    }
  });

  it('marks a refused WebSocket operation’s span with its error code', async () => {
    const client = wsClient(traced.url);
    const { traceId, traceparent } = clientTrace();
    try {
      const results = client.iterate({
        query: print(DepositDocument),
        variables: { input: { accountId: randomUUID(), amount: '-1.00' } },
        extensions: { traceparent },
      });
      const answer = await results.next().catch((error: unknown) => ({ value: error }));
      expect(JSON.stringify(answer.value)).toContain('BAD_USER_INPUT');
      const operation = await waitFor('the refused operation’s span', () =>
        spansOf(traceId).find((span) => span.name === 'mutation Deposit'),
      );
      expect(operation.attributes['esgraph.outcome']).toBe('BAD_USER_INPUT');
      expect(operation.status.code).toBe(SpanStatusCode.ERROR);
      expect(spansOf(traceId).some((span) => span.name.startsWith('command '))).toBe(false);
    } finally {
      await client.dispose();
    }
  });

  it('ends a WebSocket operation’s span CANCELLED when its client completes it before the answer', async () => {
    const client = wsClient(traced.url);
    const { traceId, traceparent } = clientTrace();
    try {
      // Waits for a position the log will not reach soon, so the answer is far off.
      const waiting = client.iterate({
        query: print(AccountDocument),
        variables: { id: randomUUID(), consistentWith: '18446744073709551615' },
        extensions: { traceparent },
      });
      const answered = waiting.next();
      // Messages on one socket are handled in order: once a later query is answered, the server
      // has begun the first one, whose span is open.
      const later = client.iterate({ query: print(AccountDocument), variables: { id: randomUUID() } });
      await later.next();
      await later.return?.();
      await waiting.return?.();
      await answered;
      const operation = await waitFor(
        'the completed operation’s span',
        () => spansOf(traceId).find((span) => span.name === 'query Account'),
        { timeoutMs: 15_000 },
      );
      expect(operation.attributes['esgraph.outcome']).toBe('CANCELLED');
      expect(operation.status.code).toBe(SpanStatusCode.ERROR);
    } finally {
      await client.dispose();
    }
  });

  describe('at the default sampler, no new trace recorded (OTEL_TRACES_SAMPLER_ARG=0)', () => {
    let sampled: RunningEsgraph;
    const sampledExporter = new InMemorySpanExporter();
    beforeAll(async () => {
      sampled = await startTestEsgraph(
        dependencies,
        { SERVICE_ROLES: 'command,query', TRACING: 'on', OTEL_TRACES_SAMPLER_ARG: '0' },
        { spanProcessors: [new SimpleSpanProcessor(sampledExporter)] },
      );
    });
    afterAll(async () => {
      await sampled?.stop();
    });
    const openAccount = async () => {
      const accountId = randomUUID();
      await executeOk(sampled.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
      return accountId;
    };

    it('records every span of a trace its client sent sampled, wherever it falls in its stream’s batch', async () => {
      const accountId = await openAccount();
      const { traceId, traceparent } = clientTrace();
      const deposit = (headers: Record<string, string>) =>
        post(sampled.url, print(DepositDocument), { input: { accountId, amount: '1.00' } }, headers);
      // Unrecorded deposits to the same stream around it, which may share its batch and lead it.
      const around = (count: number) => Array.from({ length: count }, () => deposit({}));
      const responses = await Promise.all([...around(12), deposit({ traceparent }), ...around(4)]);
      expect(new Set(responses.map((response) => response.status))).toEqual(new Set([200]));
      const spans = await waitFor('the request’s spans', () => {
        const found = sampledExporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
        return found.length >= 5 ? found : undefined;
      });
      expect(spans.map((span) => span.name).sort()).toEqual([
        'POST /graphql',
        'append',
        'command DepositMoney',
        'decide',
        'mutation Deposit',
      ]);
      const command = named(spans, 'command DepositMoney').spanContext().spanId;
      expect(parentOf(named(spans, 'decide'))).toBe(command);
      expect(parentOf(named(spans, 'append'))).toBe(command);
    });

    it('records nothing of an unsampled request, whose events carry the trace context it came with', async () => {
      const accountId = await openAccount();
      const before = sampledExporter.getFinishedSpans().length;
      const { traceId, spanId } = clientTrace();
      const traceparent = `00-${traceId}-${spanId}-00`;
      const response = await post(
        sampled.url,
        print(DepositDocument),
        { input: { accountId, amount: '2.00' } },
        { traceparent },
      );
      expect(response.status).toBe(200);
      await executeOk(sampled.url, AccountDocument, { id: accountId });
      expect((await depositMetadata(sampled.url, accountId)).traceparent).toBe(traceparent);
      // Opening the account, the deposit, the reads: none was a recorded trace's.
      expect(sampledExporter.getFinishedSpans().length).toBe(before);
    });
  });

  it('with tracing off makes no span and writes no trace context into the events', async () => {
    const accountId = randomUUID();
    await executeOk(untraced.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    const { traceId, traceparent } = clientTrace();
    const response = await post(
      untraced.url,
      print(DepositDocument),
      { input: { accountId, amount: '1.00' } },
      {
        traceparent,
      },
    );
    expect(response.status).toBe(200);
    const metadata = await waitFor('the deposit in the history', () => depositMetadata(untraced.url, accountId));
    expect(metadata).toHaveProperty('commandId');
    expect(metadata).not.toHaveProperty('traceparent');
    expect(metadata).not.toHaveProperty('tracestate');
    // The traced instance projects this deposit too: its batch has nothing to link it to.
    await waitFor('the deposit projected', async () => {
      const account = await executeOk(untraced.url, AccountDocument, { id: accountId });
      return account.account?.balance === '1.00' ? true : undefined;
    });
    expect(spansOf(traceId)).toEqual([]);
    expect(
      exporter.getFinishedSpans().some((span) => span.links.some((link) => link.context.traceId === traceId)),
    ).toBe(false);
  });
});
