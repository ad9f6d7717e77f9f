import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { type CommandMiddleware, DomainError } from '../../../src/core/index.js';
import {
  AccountAsOfDocument,
  AccountHistoryDocument,
  DepositDocument,
  OpenAccountDocument,
} from '../../generated/graphql.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';
import { STAFF_USER } from '../../support/test-tokens.js';

/*
 * The bank's commands through esgraph with command middleware beside stamping, over GraphQL: a
 * refusal reaches the client with its code, and what a middleware adds is in the events.
 */

/** Refuses deposits of exactly 666.00, as an authorization rule would refuse a command. */
const barredDeposits: CommandMiddleware = {
  name: 'barred-deposits',
  before: ({ type, data }) => {
    if (type === 'DepositMoney' && (data as { amount?: unknown }).amount === 66_600) {
      throw new DomainError('DEPOSIT_BARRED', 'deposits of 666.00 are barred');
    }
    return undefined;
  },
};

/** Tags every command's events with where they came from. */
const channel: CommandMiddleware = { name: 'channel', before: () => ({ channel: 'test-suite' }) };

describe('bank commands through command middleware', () => {
  let dependencies: TestDependencies;
  let esgraph: RunningEsgraph;
  beforeAll(async () => {
    dependencies = await startTestDependencies();
    esgraph = await startTestEsgraph(dependencies, {}, { commandMiddleware: [barredDeposits, channel] });
  });
  afterAll(async () => {
    await esgraph?.stop();
    await dependencies?.stop();
  });

  const open = async () => {
    const accountId = randomUUID();
    await executeOk(esgraph.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    return accountId;
  };

  it('answers a deposit a middleware refuses with its code and appends nothing, while deposits sent with it land', async () => {
    const accountId = await open();
    const results = await Promise.all(
      ['10.00', '666.00', '5.00'].map((amount) =>
        execute(esgraph.url, DepositDocument, { input: { accountId, amount } }),
      ),
    );
    expect(results.map((result) => result.errors?.[0]?.extensions?.code ?? 'ok')).toEqual([
      'ok',
      'DEPOSIT_BARRED',
      'ok',
    ]);
    expect(results[1]?.errors?.[0]?.message).toBe('deposits of 666.00 are barred');
    const history = (await executeOk(esgraph.url, AccountHistoryDocument, { id: accountId })).accountHistory.edges.map(
      ({ node }) => node,
    );
    expect(history.map((event) => event.type)).toEqual(['AccountOpened', 'MoneyDeposited', 'MoneyDeposited']);
    const asOf = (await executeOk(esgraph.url, AccountAsOfDocument, { id: accountId })).accountAsOf;
    expect(asOf?.balance).toBe('15.00');
  });

  it('stores what a middleware adds in the events’ metadata, beside what stamping records', async () => {
    const accountId = randomUUID();
    const commandId = `open-${accountId}`;
    await executeOk(esgraph.url, OpenAccountDocument, {
      input: { accountId, ownerId: 'o', currency: 'EUR', commandId },
    });
    const [opened] = (await executeOk(esgraph.url, AccountHistoryDocument, { id: accountId })).accountHistory.edges.map(
      ({ node }) => node,
    );
    expect(opened?.metadata).toEqual({
      commandId,
      commandDigest: expect.any(String),
      correlationId: expect.any(String),
      causationId: commandId,
      schemaVersion: 1,
      channel: 'test-suite',
      userId: STAFF_USER,
    });
  });
});
