import { randomUUID } from 'node:crypto';
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
  TransferDocument,
  WithdrawDocument,
} from '../../generated/graphql.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { executeOk, subscribe, wsClient } from '../../support/graphql-client.js';
import { capturedLogger } from '../../support/identity.js';
import { bearer, STAFF_USER, staffToken, testToken } from '../../support/test-tokens.js';
import { waitFor } from '../../support/wait-for.js';

/** A teller is not an auditor: the access policy logs every read an auditor makes, arguments and all. */
const TELLER = 'request-log-teller';
const tellerToken = await testToken(TELLER, ['teller']);

/*
 * The request log: one info line per GraphQL operation (and a subscription's start and end),
 * carrying the request id the response echoes and the events record, and never a variable's
 * value or a token.
 */

describe('request log', () => {
  let dependencies: TestDependencies;
  let esgraph: RunningEsgraph;
  const captured = capturedLogger();
  beforeAll(async () => {
    dependencies = await startTestDependencies();
    esgraph = await startTestEsgraph(dependencies, {}, {}, captured.log);
  });
  afterAll(async () => {
    await esgraph?.stop();
    await dependencies?.stop();
  });

  const post = (query: string, variables: object, headers: Record<string, string> = {}) =>
    fetch(esgraph.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: bearer(staffToken), ...headers },
      body: JSON.stringify({ query, variables }),
    });
  const operationLines = () => captured.lines().filter((line) => line.msg === 'graphql operation');

  it('echoes the request id on a body refused before any operation: malformed JSON (400) and too large (413)', async () => {
    const send = (body: string, requestId?: string) =>
      fetch(esgraph.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
        body,
      });
    const requestId = `req-${randomUUID()}`;
    const malformed = await send('{"query": ', requestId);
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-request-id')).toBe(requestId);
    const tooLarge = await send(JSON.stringify({ query: `{ serverInfo { name } } #${'x'.repeat(1 << 20)}` }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes one line per operation with its name, type, code, duration, request id and user, and echoes the request id', async () => {
    const accountId = randomUUID();
    const requestId = `req-${randomUUID()}`;
    const response = await post(
      print(OpenAccountDocument),
      { input: { accountId, ownerId: 'o', currency: 'EUR' } },
      { 'x-request-id': requestId },
    );
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const refused = await post(print(WithdrawDocument), { input: { accountId, amount: '1.00' } });
    const generated = refused.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const lines = await waitFor('both operations logged', () => {
      const lines = operationLines().filter((line) => line.requestId === requestId || line.requestId === generated);
      return lines.length === 2 ? lines : undefined;
    });
    expect(lines[0]).toMatchObject({
      level: 30,
      operation: 'OpenAccount',
      type: 'mutation',
      outcome: 'ok',
      requestId,
      userId: STAFF_USER,
      transport: 'http',
      durationMs: expect.any(Number),
    });
    expect(lines[1]).toMatchObject({ operation: 'Withdraw', outcome: 'INSUFFICIENT_FUNDS', requestId: generated });
  });

  it('carries the request id as the correlationId of the events it causes', async () => {
    const accountId = randomUUID();
    const requestId = `corr-${randomUUID()}`;
    await executeOk(esgraph.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    const deposited = await post(
      print(DepositDocument),
      { input: { accountId, amount: '5.00' } },
      { 'x-request-id': requestId },
    );
    expect(deposited.status).toBe(200);
    const history = await executeOk(esgraph.url, AccountHistoryDocument, { id: accountId });
    const deposit = history.accountHistory.edges.map(({ node }) => node).find((node) => node.type === 'MoneyDeposited');
    expect(deposit?.metadata).toMatchObject({ correlationId: requestId });
  });

  it('carries it on through a transfer: the process manager’s steps record the request id too', async () => {
    const [from, to] = [randomUUID(), randomUUID()];
    for (const accountId of [from, to]) {
      await executeOk(esgraph.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    }
    await executeOk(esgraph.url, DepositDocument, { input: { accountId: from, amount: '9.00' } });
    const requestId = `transfer-${randomUUID()}`;
    const requested = await post(
      print(RequestTransferDocument),
      { input: { fromAccountId: from, toAccountId: to, amount: '4.00' } },
      { 'x-request-id': requestId },
    );
    const { transferId, position } = (
      (await requested.json()) as { data: { transfer: { transferId: string; position: string } } }
    ).data.transfer;
    const settled = await executeOk(esgraph.url, TransferDocument, {
      id: transferId,
      consistentWith: position,
      awaitSettlement: true,
    });
    expect(settled.transfer?.status).toBe('COMPLETED');
    const credited = (await executeOk(esgraph.url, AccountHistoryDocument, { id: to })).accountHistory.edges
      .map(({ node }) => node)
      .find((node) => node.type === 'MoneyTransferredIn');
    expect(credited?.metadata).toMatchObject({ correlationId: requestId });
  });

  it('never logs a variable’s value or the token', async () => {
    const accountId = randomUUID();
    const commandId = `cmd-${randomUUID()}`;
    await executeOk(esgraph.url, OpenAccountDocument, {
      input: { accountId, ownerId: `owner-${accountId}`, currency: 'EUR', commandId },
    });
    await post(print(DepositDocument), { input: { accountId, amount: '987654.32' } });
    await post(print(AccountDocument), { id: accountId }, { authorization: bearer(tellerToken) });
    await waitFor('the deposit and the read logged', () =>
      operationLines().some((line) => line.operation === 'Account'),
    );
    const text = captured.text();
    for (const secret of [accountId, commandId, '987654.32', staffToken, tellerToken, tellerToken.split('.')[2]!]) {
      expect(text).not.toContain(secret);
    }
  });

  it('writes a line when a subscription starts and one when it ends, over WebSocket', async () => {
    const accountId = randomUUID();
    await executeOk(esgraph.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    const client = wsClient(esgraph.url, tellerToken);
    try {
      const updates = subscribe(client, AccountUpdatedDocument, { id: accountId });
      const first = updates.next();
      const started = await waitFor('the start logged', () =>
        captured.lines().find((line) => line.msg === 'subscription started' && line.operation === 'AccountUpdated'),
      );
      expect(started).toMatchObject({ field: 'accountUpdated', userId: TELLER, requestId: expect.any(String) });
      await executeOk(esgraph.url, DepositDocument, { input: { accountId, amount: '1.00' } });
      await first;
      await updates.return?.();
      const ended = await waitFor('the end logged', () =>
        captured.lines().find((line) => line.msg === 'subscription ended' && line.requestId === started.requestId),
      );
      expect(ended).toMatchObject({
        field: 'accountUpdated',
        messages: expect.any(Number),
        durationMs: expect.any(Number),
      });
      expect(ended.messages).toBeGreaterThanOrEqual(1);
      expect(captured.text()).not.toContain(accountId);
    } finally {
      await client.dispose();
    }
  });
});
