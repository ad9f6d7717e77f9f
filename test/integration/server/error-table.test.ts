import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonEvent } from '@eventstore/db-client';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { connectEventStore } from '../../../src/core/eventstore/client.js';
import type { CommandMiddleware } from '../../../src/core/index.js';
import { activeKeySpace } from '../../../src/core/projections/active-version.js';
import { connectRedis } from '../../../src/core/redis/client.js';
import { documentHash } from '../../../src/server/persisted-queries/manifest.js';
import {
  AccountAsOfDocument,
  AccountDocument,
  BankStatsDocument,
  CancelAccountCloseDocument,
  CloseAccountDocument,
  DepositDocument,
  OpenAccountDocument,
  RequestTransferDocument,
  ServerInfoDocument,
  WithdrawDocument,
} from '../../generated/graphql.js';
import { bankApi } from '../../support/bank-api.js';
import { codesInSource, type DocumentedStatus, readErrorTable } from '../../support/error-table.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { wsClient } from '../../support/graphql-client.js';
import { providerKey, signWithKey } from '../../support/identity.js';
import { closedPort, postJson, upgradeAnswer } from '../../support/raw-http.js';
import { bearer, testToken } from '../../support/test-tokens.js';

/*
 * The README's error table, held to what the server answers: each documented code is provoked
 * for real (HTTP, or the WebSocket where the table says only it answers) and must come with the
 * documented status; and every code src gives must have a row. A new code needs its row in the
 * README and its provocation below; the code itself is found in src wherever it is written.
 */

/** What one provocation got: the status (or the WebSocket) and the codes of its errors. */
interface Answer {
  readonly status: DocumentedStatus;
  readonly codes: readonly string[];
}

const codesOf = (body: string): string[] => {
  const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] };
  return (parsed.errors ?? []).map((error) => error.extensions?.code ?? '(no code)');
};

const rawAnswer = async (sent: Promise<{ status: number; body: string }>): Promise<Answer> => {
  const { status, body } = await sent;
  return { status, codes: codesOf(body) };
};

const post = (url: string, query: string, variables: Record<string, unknown> = {}, token?: string) =>
  rawAnswer(postJson(url, JSON.stringify({ query, variables }), token === undefined ? {} : { authorization: token }));

const send = <Data, Variables>(url: string, document: TypedDocumentNode<Data, Variables>, variables: Variables) =>
  post(url, print(document), variables as Record<string, unknown>);

/** A command with this id meets a middleware that fails as only a bug would. */
const explodingCommandId = 'explode-on-purpose';
const explodingMiddleware: CommandMiddleware = {
  name: 'explodes-on-purpose',
  before: ({ commandId }) => {
    if (commandId === explodingCommandId) throw new Error('a bug nobody planned for');
    return undefined;
  },
};

describe('the README error table', () => {
  const rows = readErrorTable();
  let dependencies: TestDependencies;
  /** The defaults, with a middleware that fails one command unexpectedly. */
  let standard: RunningEsgraph;
  /** One decide-and-append attempt, so one lost race is a CONCURRENCY_CONFLICT. */
  let impatient: RunningEsgraph;
  /** Small limits: a short wait, a short log, one subscription per connection. */
  let tight: RunningEsgraph;
  let queryOnly: RunningEsgraph;
  let rateLimited: RunningEsgraph;
  /** Verifies tokens with a JWKS nobody serves. */
  let providerAway: RunningEsgraph;
  /** Trusted mode: runs only `{ serverInfo { name } }`. */
  let trusted: RunningEsgraph;
  /** An operation deadline far shorter than its consistency waits. */
  let hurried: RunningEsgraph;
  const issuer = 'https://issuer.test';
  const audience = 'esgraph-error-table';

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    const jwksUrl = `http://127.0.0.1:${await closedPort()}/jwks`;
    const trustedFile = join(await mkdtemp(join(tmpdir(), 'esgraph-error-table-')), 'trusted-documents.json');
    const listed = '{ serverInfo { name } }';
    await writeFile(trustedFile, JSON.stringify({ [documentHash(listed)]: listed }));
    [standard, impatient, tight, queryOnly, rateLimited, providerAway, trusted, hurried] = await Promise.all([
      startTestEsgraph(dependencies, {}, { commandMiddleware: [explodingMiddleware] }),
      startTestEsgraph(dependencies, { COMMAND_MAX_ATTEMPTS: '1' }),
      startTestEsgraph(dependencies, {
        CONSISTENCY_TIMEOUT_MS: '200',
        ACCOUNT_AS_OF_MAX_EVENTS: '1',
        MAX_SUBSCRIPTIONS_PER_CONNECTION: '1',
      }),
      startTestEsgraph(dependencies, { SERVICE_ROLES: 'query' }),
      // Only this instance counts requests, so the other instances sharing its Redis never meet the limit.
      startTestEsgraph(dependencies, { RATE_LIMIT: 'on', RATE_LIMIT_PER_IP: '1' }),
      startTestEsgraph(dependencies, { JWT_JWKS_URL: jwksUrl, JWT_ISSUER: issuer, JWT_AUDIENCE: audience }),
      startTestEsgraph(dependencies, { TRUSTED_DOCUMENTS_FILE: trustedFile }),
      startTestEsgraph(dependencies, { OPERATION_TIMEOUT_MS: '200', CONSISTENCY_TIMEOUT_MS: '10000' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(
      [standard, impatient, tight, queryOnly, rateLimited, providerAway, trusted, hurried].map((one) => one?.stop()),
    );
    await dependencies?.stop();
  });

  const bank = bankApi(() => standard.url);
  const deposit = (url: string, accountId: string, amount: string, commandId?: string) =>
    send(url, DepositDocument, { input: { accountId, amount, ...(commandId ? { commandId } : {}) } });

  /** How to make the server answer each code; keyed by code, so a row names what it needs. */
  const provocations: Record<string, () => Promise<Answer>> = {
    UNAUTHENTICATED: () => post(standard.url, '{ serverInfo { name } }', {}, 'Bearer not-a-token'),
    BAD_USER_INPUT: () => send(standard.url, AccountDocument, { id: 'not an id' }),
    ACCOUNT_ALREADY_EXISTS: async () => {
      const { accountId } = await bank.open();
      return send(standard.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    },
    ACCOUNT_NOT_FOUND: () => deposit(standard.url, randomUUID(), '1.00'),
    ACCOUNT_CLOSED: async () => {
      const { accountId } = await bank.open();
      await bank.close(accountId);
      return deposit(standard.url, accountId, '1.00');
    },
    INSUFFICIENT_FUNDS: async () => {
      const { accountId } = await bank.open();
      return send(standard.url, WithdrawDocument, { input: { accountId, amount: '1.00' } });
    },
    SAME_ACCOUNT: async () => {
      const { accountId } = await bank.open();
      return send(standard.url, RequestTransferDocument, {
        input: { fromAccountId: accountId, toAccountId: accountId, amount: '1.00' },
      });
    },
    CURRENCY_MISMATCH: async () => {
      const [from, to] = await Promise.all([bank.open(), bank.open({ currency: 'NOK' })]);
      return send(standard.url, RequestTransferDocument, {
        input: { fromAccountId: from.accountId, toAccountId: to.accountId, amount: '1.00' },
      });
    },
    ACCOUNT_NOT_EMPTY: async () => {
      const { accountId } = await bank.open();
      await bank.deposit(accountId, '1.00');
      return send(standard.url, CloseAccountDocument, { input: { accountId } });
    },
    ACCOUNT_CLOSING: async () => {
      const { accountId } = await bank.open();
      await bank.deposit(accountId, '1.00');
      await bank.requestClose(accountId);
      return deposit(standard.url, accountId, '1.00');
    },
    CLOSE_NOT_REQUESTED: async () => {
      const { accountId } = await bank.open();
      return send(standard.url, CancelAccountCloseDocument, { input: { accountId } });
    },
    BALANCE_LIMIT_EXCEEDED: async () => {
      // No deposit series of a test's length gets near 2^53 minor units: the log is written as if
      // one had, as an old deployment could have.
      const accountId = randomUUID();
      const store = connectEventStore(dependencies.esdb.connectionString);
      const metadata = (schemaVersion: number) => ({ commandId: randomUUID(), schemaVersion });
      const occurredAt = new Date().toISOString();
      const balance = Number.MAX_SAFE_INTEGER - 10;
      try {
        await store.appendToStream(`account-${accountId}`, [
          jsonEvent({
            type: 'AccountOpened',
            data: { accountId, ownerId: 'o', currency: 'EUR', openedAt: occurredAt },
            metadata: metadata(1),
          }),
          jsonEvent({
            type: 'MoneyDeposited',
            data: { accountId, amount: balance, balanceAfter: balance, currency: 'EUR', occurredAt, source: 'cash' },
            metadata: metadata(2),
          }),
        ]);
      } finally {
        await store.dispose();
      }
      return deposit(standard.url, accountId, '1.00');
    },
    COMMAND_ID_REUSED: async () => {
      const { accountId } = await bank.open();
      const commandId = randomUUID();
      await deposit(standard.url, accountId, '1.00', commandId);
      return deposit(standard.url, accountId, '2.00', commandId);
    },
    CONCURRENCY_CONFLICT: async () => {
      const { accountId } = await bank.open();
      // The impatient instance folds the stream, another writer moves it on, and its one attempt loses.
      await deposit(impatient.url, accountId, '1.00');
      await deposit(standard.url, accountId, '1.00');
      return deposit(impatient.url, accountId, '1.00');
    },
    CONSISTENCY_TIMEOUT: () =>
      send(tight.url, AccountDocument, { id: 'acc-1', consistentWith: '18446744073709551615' }),
    // A wait for a position the log never reaches outlives the operation's deadline.
    OPERATION_TIMEOUT: () =>
      send(hurried.url, AccountDocument, { id: 'acc-1', consistentWith: '18446744073709551615' }),
    LOG_TOO_LONG: async () => {
      const { accountId } = await bank.open();
      await bank.deposit(accountId, '1.00');
      return send(tight.url, AccountAsOfDocument, { id: accountId });
    },
    DOCUMENT_LIMIT_EXCEEDED: () =>
      post(standard.url, `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: serverInfo { name }`).join(' ')} }`),
    GRAPHQL_PARSE_FAILED: () => post(standard.url, '{ serverInfo {'),
    GRAPHQL_VALIDATION_FAILED: () => post(standard.url, '{ noSuchField }'),
    OPERATION_RESOLUTION_FAILURE: () =>
      post(standard.url, 'query A { serverInfo { name } } query B { serverInfo { version } }'),
    RATE_LIMITED: async () => {
      await post(rateLimited.url, '{ serverInfo { name } }');
      return post(rateLimited.url, '{ serverInfo { name } }');
    },
    SUBSCRIPTION_LIMIT: async () => {
      const client = wsClient(tight.url.replace(/^http/, 'ws'));
      try {
        const heartbeat = 'subscription { heartbeat(intervalMs: 50) }';
        // The first holds the connection's one place once its first beat has come.
        await client.iterate({ query: heartbeat }).next();
        const refused = await client
          .iterate({ query: heartbeat })
          .next()
          .then(
            () => [],
            (errors: { extensions?: { code?: string } }[]) => errors.map((error) => error.extensions?.code ?? ''),
          );
        return { status: 'websocket only', codes: refused };
      } finally {
        await client.dispose();
      }
    },
    PAYLOAD_TOO_LARGE: () =>
      rawAnswer(postJson(standard.url, JSON.stringify({ query: `{ serverInfo { name } } #${'x'.repeat(1_100_000)}` }))),
    BAD_REQUEST: () => rawAnswer(postJson(standard.url, 'this is not JSON')),
    BATCH_LIMIT_EXCEEDED: () =>
      rawAnswer(
        postJson(
          standard.url,
          JSON.stringify(Array.from({ length: 11 }, () => ({ query: '{ serverInfo { name } }' }))),
        ),
      ),
    HOST_NOT_ALLOWED: () =>
      rawAnswer(
        postJson(standard.url, JSON.stringify({ query: '{ serverInfo { name } }' }), { host: 'rebound.example' }),
      ),
    ORIGIN_NOT_ALLOWED: async () => {
      // Refused before the handshake: no GraphQL there, the body is the code.
      const { status, body } = await upgradeAnswer(standard.url, { origin: 'https://evil.example' });
      return { status, codes: [body] };
    },
    ROLE_NOT_SERVED: () => send(queryOnly.url, DepositDocument, { input: { accountId: 'acc-1', amount: '1.00' } }),
    READ_MODEL_UNREADABLE: async () => {
      const { position } = await bank.open({ currency: 'NOK' });
      await send(standard.url, BankStatsDocument, { consistentWith: position });
      const redis = await connectRedis(dependencies.redis.url);
      try {
        const space = await activeKeySpace(redis, 'bank-stats');
        await redis.hSet(space!.key('totals'), 'NOK:withdrawn', 'not a number');
      } finally {
        await redis.close();
      }
      return send(standard.url, BankStatsDocument, { consistentWith: position });
    },
    SERVICE_UNAVAILABLE: async () => {
      const key = await providerKey('away', 'RS256');
      const token = await signWithKey(key, { sub: 'ann', roles: ['teller'] }, { issuer, audience });
      return post(providerAway.url, '{ serverInfo { name } }', {}, bearer(token));
    },
    INTERNAL_SERVER_ERROR: async () => {
      const { accountId } = await bank.open();
      return deposit(standard.url, accountId, '1.00', explodingCommandId);
    },
    PERSISTED_QUERY_NOT_FOUND: () =>
      rawAnswer(
        postJson(
          standard.url,
          JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
        ),
      ),
    PERSISTED_QUERY_NOT_IN_LIST: () =>
      rawAnswer(
        postJson(
          trusted.url,
          JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } }),
        ),
      ),
    QUERY_NOT_IN_SAFELIST: () => post(trusted.url, '{ serverInfo { version } }'),
    // A customer may not read the bank's totals.
    FORBIDDEN: async () =>
      post(standard.url, print(BankStatsDocument), {}, bearer(await testToken('ann', ['customer']))),
  };

  it('has a row for every code src gives', () => {
    const documented = new Set(rows.flatMap((row) => row.codes));
    const missing = [...codesInSource()].filter((code) => !documented.has(code));
    expect(missing).toEqual([]);
  });

  it('says each code once', () => {
    const codes = rows.flatMap((row) => row.codes);
    expect(codes.length).toBe(new Set(codes).size);
  });

  for (const row of rows) {
    for (const code of row.codes) {
      it(`answers ${code} with ${row.statusText}`, async () => {
        const provoke = provocations[code];
        if (provoke === undefined) throw new Error(`no provocation for ${code}: add one to this test`);
        const answer = await provoke();
        expect(answer).toEqual({ status: row.status, codes: expect.arrayContaining([code]) });
      });
    }
  }

  it('keeps answering serverInfo', async () => {
    expect(await send(standard.url, ServerInfoDocument, {})).toEqual({ status: 200, codes: [] });
  });
});
