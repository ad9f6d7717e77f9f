import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ConnectedConfig, type EsgraphOptions, type RunningEsgraph, startEsgraph } from '../../../src/app.js';
import { readConfig } from '../../../src/config.js';
import type { CommandMiddleware } from '../../../src/core/index.js';
import type { GraphQLContext } from '../../../src/graphql/context.js';
import { AccountHistoryDocument, AccountUpdatedDocument } from '../../generated/graphql.js';
import { startTestDependencies, type TestDependencies } from '../../support/esgraph.js';
import {
  capturedLogger,
  type JwksServer,
  type ProviderKey,
  postGraphQL,
  providerKey,
  signWithKey,
  signWithSecret,
  startJwksServer,
  unsignedToken,
  withEditedPayload,
} from '../../support/identity.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * Bearer tokens against real esgraph instances over real HTTP and WebSocket: one with an HS256
 * secret, one with an identity provider's JWKS served on 127.0.0.1, one reading Keycloak's
 * roles path. Every bad token gets the same 401 and a log line saying why.
 */

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const issuer = 'https://idp.test/realms/bank';
const audience = 'esgraph';
const unauthenticated = { message: 'Invalid or expired token', extensions: { code: 'UNAUTHENTICATED' } };

const serverInfo = '{ serverInfo { name } }';
const openAccount = 'mutation ($input: OpenAccountInput!) { openAccount(input: $input) { accountId } }';
const deposit = 'mutation ($input: DepositInput!) { deposit(input: $input) { streamRevision } }';
const history = print(AccountHistoryDocument);

/** Records the identity's roles in every command's metadata, so a test can see what the context held. */
const rolesInMetadata: CommandMiddleware = {
  name: 'roles-in-metadata',
  before: ({ request }) => ({ roles: [...((request as GraphQLContext).identity?.roles ?? [])] }),
};

describe('bearer token identity', () => {
  let dependencies: TestDependencies;
  let jwks: JwksServer;
  let rsa: ProviderKey;
  let ec: ProviderKey;
  let hsLog: ReturnType<typeof capturedLogger>;
  let jwksLog: ReturnType<typeof capturedLogger>;
  let hs: RunningEsgraph;
  let viaJwks: RunningEsgraph;
  let keycloak: RunningEsgraph;
  const instances: RunningEsgraph[] = [];

  const start = async (env: Record<string, string>, log = capturedLogger().log, options: EsgraphOptions = {}) => {
    const config: ConnectedConfig = {
      // Rate limits off as in test/support/esgraph.ts: every request comes from one loopback address.
      ...readConfig({ HOST: '127.0.0.1', PORT: '0', RATE_LIMIT: 'off', ...env }),
      redisUrl: dependencies.redis.url,
      eventStoreConnectionString: dependencies.esdb.connectionString,
    };
    const instance = await startEsgraph(config, log, { commandMiddleware: [rolesInMetadata], ...options });
    instances.push(instance);
    return instance;
  };

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    [rsa, ec] = await Promise.all([providerKey('rsa-1', 'RS256'), providerKey('ec-1', 'ES256')]);
    jwks = await startJwksServer([rsa, ec]);
    hsLog = capturedLogger();
    jwksLog = capturedLogger();
    [hs, viaJwks, keycloak] = await Promise.all([
      start({ JWT_SECRET: secret }, hsLog.log),
      start(
        { JWT_JWKS_URL: jwks.url, JWT_ISSUER: issuer, JWT_AUDIENCE: audience, JWT_JWKS_COOLDOWN_MS: '0' },
        jwksLog.log,
      ),
      start({ JWT_SECRET: secret, JWT_ROLES_CLAIM: 'realm_access.roles' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await jwks?.stop();
    await dependencies?.stop();
  });

  const hsAuditor = async () => `Bearer ${await signWithSecret(secret, { sub: 'auditor-1', roles: ['auditor'] })}`;

  const openAs = async (url: string, authorization: string) => {
    const accountId = randomUUID();
    const opened = await postGraphQL(
      url,
      openAccount,
      { input: { accountId, ownerId: 'ann', currency: 'EUR' } },
      authorization,
    );
    expect(opened.body.errors).toBeUndefined();
    return accountId;
  };

  /** The account's events, read by `authorization`: one allowed to read history (staff). */
  const metadataOf = async (url: string, accountId: string, authorization: string) => {
    const read = await postGraphQL(url, history, { id: accountId }, authorization);
    return (
      read.body.data as { accountHistory: { edges: { node: { type: string; metadata: Record<string, unknown> } }[] } }
    ).accountHistory.edges.map(({ node }) => node);
  };

  it('answers serverInfo to a request without a token', async () => {
    const answer = await postGraphQL(hs.url, serverInfo);
    expect(answer).toEqual({ status: 200, body: { data: { serverInfo: { name: 'esgraph' } } } });
  });

  it("records a valid token's sub as the userId of the events a deposit appends", async () => {
    const token = await signWithSecret(secret, { sub: 'ann', roles: ['customer', 'astronaut'] });
    const accountId = await openAs(hs.url, `Bearer ${token}`);
    const deposited = await postGraphQL(hs.url, deposit, { input: { accountId, amount: '10.00' } }, `Bearer ${token}`);
    expect(deposited.status).toBe(200);
    expect(deposited.body.errors).toBeUndefined();
    const events = await metadataOf(hs.url, accountId, await hsAuditor());
    expect(events.map((event) => [event.type, event.metadata.userId, event.metadata.roles])).toEqual([
      ['AccountOpened', 'ann', ['customer']],
      ['MoneyDeposited', 'ann', ['customer']],
    ]);
  });

  it('answers every tampered, expired or malformed token with the same 401 and logs why, never the token', async () => {
    const valid = await signWithSecret(secret, { sub: 'ann', roles: ['customer'] });
    const cases: [string, string, string][] = [
      ['expired', `Bearer ${await signWithSecret(secret, { sub: 'ann' }, { expiresIn: -60 })}`, 'ERR_JWT_EXPIRED'],
      [
        'not yet valid',
        `Bearer ${await signWithSecret(secret, { sub: 'ann' }, { notBefore: 3600 })}`,
        'ERR_JWT_CLAIM_VALIDATION_FAILED',
      ],
      [
        'wrong secret',
        `Bearer ${await signWithSecret('another-secret-that-is-long-enough-for-hs256', { sub: 'ann' })}`,
        'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      ],
      ['alg none', `Bearer ${unsignedToken({ sub: 'ann', roles: ['manager'] })}`, 'ERR_JOSE_ALG_NOT_ALLOWED'],
      [
        'edited payload',
        `Bearer ${withEditedPayload(valid, (claims) => {
          claims.roles = ['manager'];
        })}`,
        'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      ],
      [
        'edited sub',
        `Bearer ${withEditedPayload(valid, (claims) => {
          claims.sub = 'bob';
        })}`,
        'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      ],
      ['no sub', `Bearer ${await signWithSecret(secret, { roles: ['teller'] })}`, 'no sub claim'],
      ['garbage', 'Bearer not-a-token', 'ERR_JWS_INVALID'],
      ['three garbage parts', 'Bearer a.b.c', 'ERR_JWS_INVALID'],
      ['truncated', `Bearer ${valid.slice(0, -5)}`, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
      ['another scheme', `Basic ${Buffer.from('ann:pw').toString('base64')}`, 'not a Bearer authorization'],
      ['bearer without a token', 'Bearer', 'not a Bearer authorization'],
    ];
    for (const [name, authorization, reason] of cases) {
      const before = hsLog.lines().length;
      const answer = await postGraphQL(hs.url, serverInfo, {}, authorization);
      expect({ name, ...answer }).toEqual({ name, status: 401, body: { errors: [unauthenticated] } });
      const logged = hsLog.lines().slice(before);
      expect({ name, logged: logged.map((line) => [line.level, line.msg, line.reason]) }).toEqual({
        name,
        logged: [[40, 'refused a bearer token', reason]],
      });
    }
    const token = (await signWithSecret(secret, { sub: 'ann' }, { expiresIn: -60 })).split('.');
    for (const part of token) expect(hsLog.text()).not.toContain(part);
  });

  it('keeps a verified token no longer than its exp: the same token sent past it is refused', async () => {
    // TOKEN_CACHE_MS is a minute by default, far longer than this token lives.
    const token = `Bearer ${await signWithSecret(secret, { sub: 'ann' }, { expiresIn: 2 })}`;
    expect((await postGraphQL(hs.url, serverInfo, {}, token)).status).toBe(200);
    expect((await postGraphQL(hs.url, serverInfo, {}, token)).status).toBe(200);
    const refused = await waitFor(
      'the token refused once expired',
      async () => {
        const answer = await postGraphQL(hs.url, serverInfo, {}, token);
        return answer.status === 401 ? answer : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(refused.body.errors).toEqual([unauthenticated]);
  });

  it('changes nothing for a command sent with a bad token', async () => {
    const good = `Bearer ${await signWithSecret(secret, { sub: 'ann', roles: ['customer'] })}`;
    const accountId = await openAs(hs.url, good);
    const forged = `Bearer ${await signWithSecret('another-secret-that-is-long-enough-for-hs256', { sub: 'ann' })}`;
    const answer = await postGraphQL(hs.url, deposit, { input: { accountId, amount: '10.00' } }, forged);
    expect(answer.status).toBe(401);
    expect((await metadataOf(hs.url, accountId, await hsAuditor())).map((event) => event.type)).toEqual([
      'AccountOpened',
    ]);
  });

  it('accepts RS256 and ES256 tokens from the JWKS, with the right issuer and audience', async () => {
    for (const key of [rsa, ec]) {
      const token = await signWithKey(key, { sub: `user-${key.alg}`, roles: ['teller'] }, { issuer, audience });
      // A teller may open accounts and read their history.
      const accountId = await openAs(viaJwks.url, `Bearer ${token}`);
      const [opened] = await metadataOf(viaJwks.url, accountId, `Bearer ${token}`);
      expect([opened?.metadata.userId, opened?.metadata.roles]).toEqual([`user-${key.alg}`, ['teller']]);
    }
  });

  it('refuses, in JWKS mode, an HS256 token, a wrong issuer or audience, and a key it does not publish', async () => {
    const stranger = await providerKey('rsa-1', 'RS256'); // same kid as a published key, other key material
    const cases: [string, string][] = [
      ['HS256 against a JWKS', await signWithSecret(secret, { sub: 'ann' }, { issuer, audience })],
      ['wrong issuer', await signWithKey(rsa, { sub: 'ann' }, { issuer: 'https://evil.test', audience })],
      ['wrong audience', await signWithKey(rsa, { sub: 'ann' }, { issuer, audience: 'another-app' })],
      ['no issuer or audience', await signWithKey(rsa, { sub: 'ann' })],
      ['unpublished key under a published kid', await signWithKey(stranger, { sub: 'ann' }, { issuer, audience })],
      ['alg none', unsignedToken({ sub: 'ann', iss: issuer, aud: audience })],
    ];
    for (const [name, token] of cases) {
      const answer = await postGraphQL(viaJwks.url, serverInfo, {}, `Bearer ${token}`);
      expect({ name, ...answer }).toEqual({ name, status: 401, body: { errors: [unauthenticated] } });
    }
  });

  it('accepts a token signed with a rotated-in key once the JWKS serves it', async () => {
    const next = await providerKey('rsa-2', 'RS256');
    const token = await signWithKey(next, { sub: 'rotated', roles: ['auditor'] }, { issuer, audience });
    const before = await postGraphQL(viaJwks.url, serverInfo, {}, `Bearer ${token}`);
    expect(before.status).toBe(401);
    jwks.publish([rsa, ec, next]);
    const fetched = jwks.fetches();
    const after = await postGraphQL(viaJwks.url, serverInfo, {}, `Bearer ${token}`);
    expect(after).toEqual({ status: 200, body: { data: { serverInfo: { name: 'esgraph' } } } });
    expect(jwks.fetches()).toBe(fetched + 1);
  });

  it('answers 503 SERVICE_UNAVAILABLE, not 401, when the JWKS cannot be fetched, and keeps using the keys it has', async () => {
    const key = await providerKey('rsa-down', 'RS256');
    const provider = await startJwksServer([key]);
    const instance = await start({
      JWT_JWKS_URL: provider.url,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      JWT_JWKS_COOLDOWN_MS: '0',
    });
    const known = `Bearer ${await signWithKey(key, { sub: 'ann' }, { issuer, audience })}`;
    expect((await postGraphQL(instance.url, serverInfo, {}, known)).status).toBe(200);
    await provider.stop();
    const unknownKid = await signWithKey(await providerKey('rsa-new', 'RS256'), { sub: 'ann' }, { issuer, audience });
    const answer = await postGraphQL(instance.url, serverInfo, {}, `Bearer ${unknownKid}`);
    expect(answer).toEqual({
      status: 503,
      body: {
        errors: [
          {
            message: 'The identity provider cannot be reached; try again shortly',
            extensions: { code: 'SERVICE_UNAVAILABLE' },
          },
        ],
      },
    });
    expect((await postGraphQL(instance.url, serverInfo, {}, known)).status).toBe(200);
  });

  it('reads roles from a dotted claim path such as Keycloak realm_access.roles', async () => {
    const token = await signWithSecret(secret, {
      sub: 'kc-user',
      roles: ['manager'],
      realm_access: { roles: ['offline_access', 'teller', 'auditor'] },
    });
    const accountId = await openAs(keycloak.url, `Bearer ${token}`);
    const [opened] = await metadataOf(keycloak.url, accountId, `Bearer ${token}`);
    expect([opened?.metadata.userId, opened?.metadata.roles]).toEqual(['kc-user', ['teller', 'auditor']]);
  });

  describe('over WebSocket', () => {
    const wsUrl = () => hs.url.replace('http://', 'ws://');

    /** A raw graphql-ws connection: every message it got and how it closed. */
    const connect = (authorization: string | undefined) => {
      const socket = new WebSocket(wsUrl(), 'graphql-transport-ws');
      const messages: { type: string; id?: string }[] = [];
      socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
      const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the socket did not close within 10 s')), 10_000);
        socket.once('close', (code, reason) => {
          clearTimeout(timer);
          resolve({ code, reason: String(reason) });
        });
      });
      const opened = new Promise((resolve) => socket.once('open', resolve));
      const init = async () => {
        await opened;
        socket.send(
          JSON.stringify({ type: 'connection_init', payload: authorization === undefined ? {} : { authorization } }),
        );
      };
      const subscribeTo = (accountId: string) =>
        socket.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: print(AccountUpdatedDocument), variables: { id: accountId } },
          }),
        );
      return { socket, messages, closed, init, subscribeTo };
    };

    it('closes with 4401 before any subscription result when the token is bad', async () => {
      const accountId = await openAs(
        hs.url,
        `Bearer ${await signWithSecret(secret, { sub: 'ann', roles: ['teller'] })}`,
      );
      const forged = await signWithSecret('another-secret-that-is-long-enough-for-hs256', { sub: 'ann' });
      const connection = connect(`Bearer ${forged}`);
      await connection.init();
      connection.subscribeTo(accountId);
      expect((await connection.closed).code).toBe(4401);
      expect(connection.messages).toEqual([]);
    });

    it('closes a connection without a token with 4401 before any subscription runs', async () => {
      const accountId = await openAs(
        hs.url,
        `Bearer ${await signWithSecret(secret, { sub: 'ann', roles: ['teller'] })}`,
      );
      const connection = connect(undefined);
      await connection.init();
      connection.subscribeTo(accountId);
      expect((await connection.closed).code).toBe(4401);
      expect(connection.messages).toEqual([]);
    });

    it('ends a subscription with 4403 when its token expires, not before', async () => {
      const longLived = `Bearer ${await signWithSecret(secret, { sub: 'ann', roles: ['customer'] })}`;
      const accountId = await openAs(hs.url, longLived);
      // Minted last, so its 2 s go to the connection alone.
      const token = await signWithSecret(secret, { sub: 'ann', roles: ['customer'] }, { expiresIn: 2 });
      const expiresAtMs = (decodeJwt(token).exp ?? 0) * 1000;
      const connection = connect(`Bearer ${token}`);
      await connection.init();
      await waitFor('the connection ack', () => connection.messages.length > 0);
      expect(connection.messages).toEqual([{ type: 'connection_ack' }]);
      connection.subscribeTo(accountId);
      // The subscription runs until then: a deposit reaches it.
      await waitFor('the subscription to be live', async () => {
        await postGraphQL(hs.url, deposit, { input: { accountId, amount: '1.00' } }, longLived);
        return connection.messages.some((message) => message.type === 'next');
      });
      const { code } = await connection.closed;
      expect(code).toBe(4403);
      // setTimeout may fire a millisecond early; never a second early.
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAtMs - 5);
    });
  });
});
