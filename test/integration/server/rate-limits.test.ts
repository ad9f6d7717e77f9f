import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningEsgraph, startEsgraph } from '../../../src/app.js';
import { readConfig } from '../../../src/config.js';
import { connectRedis, type RedisClient } from '../../../src/core/redis/client.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { capturedLogger, signWithSecret } from '../../support/identity.js';
import { bearer, staffToken } from '../../support/test-tokens.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * Rate limits and WebSocket bounds against real esgraph instances sharing one real Redis, over
 * real HTTP and WebSocket. Every request here comes from 127.0.0.1, so the counters are cleared
 * before each test.
 */

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const serverInfo = '{ serverInfo { name } }';
const windowMs = 60_000;

interface RateLimitedBody {
  errors: { message: string; extensions: { code: string; retryAfterMs: number } }[];
}

const post = async (url: string, authorization?: string, forwardedFor?: string) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization ? { authorization } : {}),
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body: JSON.stringify({ query: serverInfo }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
};

const expectRateLimited = (answer: Awaited<ReturnType<typeof post>>): void => {
  expect(answer.status).toBe(429);
  const [error] = (answer.body as RateLimitedBody).errors;
  expect(error?.extensions.code).toBe('RATE_LIMITED');
  expect(error?.extensions.retryAfterMs).toBeGreaterThan(0);
  expect(error?.extensions.retryAfterMs).toBeLessThanOrEqual(windowMs);
  expect(Number(answer.retryAfter)).toBe(Math.ceil((error?.extensions.retryAfterMs ?? 0) / 1000));
};

type Message = { type: string; id?: string; payload?: unknown };

/** A raw graphql-transport-ws connection, acknowledged, recording every message it gets. */
const rawConnection = async (
  server: RunningEsgraph,
  options: WebSocket.ClientOptions = {},
  authorization = bearer(staffToken),
) => {
  const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', options);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const messages: Message[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Message));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
  await waitFor('connection_ack', () => messages.some((m) => m.type === 'connection_ack'));
  const subscribe = (id: string, query: string) =>
    socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
  const of = (id: string, type: string) => messages.filter((m) => m.id === id && m.type === type);
  return { socket, closed, messages, subscribe, of };
};

const extensionsOf = (message: Message | undefined): { code?: string; retryAfterMs?: number } | undefined =>
  (message?.payload as { extensions?: { code?: string; retryAfterMs?: number } }[] | undefined)?.[0]?.extensions;

const errorCodeOf = (message: Message | undefined): unknown => extensionsOf(message)?.code;

describe('rate limits', () => {
  let dependencies: TestDependencies;
  let redis: RedisClient;
  let perIpA: RunningEsgraph;
  let perIpB: RunningEsgraph;
  let perUser: RunningEsgraph;
  let webSocketBounds: RunningEsgraph;
  let behindProxy: RunningEsgraph;

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    redis = await connectRedis(dependencies.redis.url);
    const limited = (env: Record<string, string>) =>
      startTestEsgraph(dependencies, { RATE_LIMIT: 'on', RATE_LIMIT_WINDOW_MS: String(windowMs), ...env });
    [perIpA, perIpB, perUser, webSocketBounds, behindProxy] = await Promise.all([
      limited({ RATE_LIMIT_PER_IP: '6', RATE_LIMIT_PER_USER: '1000' }),
      limited({ RATE_LIMIT_PER_IP: '6', RATE_LIMIT_PER_USER: '1000' }),
      limited({ RATE_LIMIT_PER_IP: '1000', RATE_LIMIT_PER_USER: '3', JWT_SECRET: secret }),
      limited({
        RATE_LIMIT_PER_IP: '4',
        MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
        WS_PING_INTERVAL_MS: '300',
      }),
      // Every test request comes from 127.0.0.1: here that is the proxy, and X-Forwarded-For the client.
      limited({ RATE_LIMIT_PER_IP: '2', RATE_LIMIT_PER_USER: '1000', TRUST_PROXY: 'loopback' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([perIpA, perIpB, perUser, webSocketBounds, behindProxy].map((instance) => instance?.stop()));
    await redis?.close();
    await dependencies?.stop();
  });

  beforeEach(async () => {
    const keys = await redis.keys('esgraph:rate:*');
    if (keys.length > 0) await redis.del(keys);
  });

  it('answers the request over the per-IP limit with 429 RATE_LIMITED, retryAfterMs and Retry-After', async () => {
    for (let i = 0; i < 6; i += 1) expect((await post(perIpA.url)).status).toBe(200);
    expectRateLimited(await post(perIpA.url));
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY names the peer: a client cannot pick the address it is counted by', async () => {
    for (let i = 0; i < 6; i += 1) expect((await post(perIpA.url, undefined, `203.0.113.${i}`)).status).toBe(200);
    expectRateLimited(await post(perIpA.url, undefined, '203.0.113.99'));
  });

  it('behind a trusted proxy counts each client by the address the proxy forwarded, not one it claimed', async () => {
    for (let i = 0; i < 2; i += 1) expect((await post(behindProxy.url, undefined, '203.0.113.7')).status).toBe(200);
    expectRateLimited(await post(behindProxy.url, undefined, '203.0.113.7'));
    // Another client behind the same proxy has a count of its own.
    expect((await post(behindProxy.url, undefined, '203.0.113.8')).status).toBe(200);
    // An address the client put in front of the proxy's is not trusted: the proxy's hop counts.
    expectRateLimited(await post(behindProxy.url, undefined, '198.51.100.1, 203.0.113.7'));
    // The same on the WebSocket: a subscribe counts against the upgrade's forwarded address.
    const connection = await rawConnection(behindProxy, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    connection.subscribe('1', serverInfo);
    await waitFor('the refusal', () => connection.of('1', 'error').length > 0);
    expect(errorCodeOf(connection.of('1', 'error')[0])).toBe('RATE_LIMITED');
    connection.socket.close();
  });

  it('counts each operation of a batch against the limit', async () => {
    const batch = JSON.stringify(Array.from({ length: 6 }, () => ({ query: serverInfo })));
    const served = await fetch(perIpA.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: batch,
    });
    expect(served.status).toBe(200);
    expectRateLimited(await post(perIpA.url));
  });

  it('counts across two instances sharing one Redis: requests split between them hit the combined limit', async () => {
    for (let i = 0; i < 6; i += 1) expect((await post(i % 2 === 0 ? perIpA.url : perIpB.url)).status).toBe(200);
    expectRateLimited(await post(perIpB.url));
    expectRateLimited(await post(perIpA.url));
  });

  it("keys the per-user limit by the token's sub: one user over it is refused, another is served", async () => {
    const ann = `Bearer ${await signWithSecret(secret, { sub: 'ann', roles: ['customer'] })}`;
    const bob = `Bearer ${await signWithSecret(secret, { sub: 'bob', roles: ['customer'] })}`;
    for (let i = 0; i < 3; i += 1) expect((await post(perUser.url, ann)).status).toBe(200);
    expectRateLimited(await post(perUser.url, ann));
    expect((await post(perUser.url, bob)).status).toBe(200);
    // Anonymous requests are counted by IP alone, far under its limit here.
    expect((await post(perUser.url)).status).toBe(200);
  });

  it('refuses a subscribe over the per-IP limit with RATE_LIMITED, and the connection stays open', async () => {
    const connection = await rawConnection(webSocketBounds);
    // One at a time: this instance also holds a connection to two operations at once.
    for (const id of ['1', '2', '3', '4']) {
      connection.subscribe(id, serverInfo);
      await waitFor(`answer ${id}`, () => connection.of(id, 'complete').length > 0);
    }
    connection.subscribe('5', serverInfo);
    await waitFor('the refusal', () => connection.of('5', 'error').length > 0);
    const [refusal] = connection.of('5', 'error');
    expect(errorCodeOf(refusal)).toBe('RATE_LIMITED');
    expect(extensionsOf(refusal)?.retryAfterMs).toBeGreaterThan(0);
    expect(connection.socket.readyState).toBe(WebSocket.OPEN);
    connection.socket.close();
  });

  it("counts a token's subscribes and its HTTP requests against one per-user limit", async () => {
    const ann = `Bearer ${await signWithSecret(secret, { sub: 'ann', roles: ['customer'] })}`;
    const connection = await rawConnection(perUser, {}, ann);
    for (const id of ['1', '2']) {
      connection.subscribe(id, serverInfo);
      await waitFor(`answer ${id}`, () => connection.of(id, 'complete').length > 0);
    }
    expect((await post(perUser.url, ann)).status).toBe(200);
    connection.subscribe('3', serverInfo);
    await waitFor('the refusal', () => connection.of('3', 'error').length > 0);
    expect(errorCodeOf(connection.of('3', 'error')[0])).toBe('RATE_LIMITED');
    expectRateLimited(await post(perUser.url, ann));
    connection.socket.close();
  });

  it('refuses the subscription past MAX_SUBSCRIPTIONS_PER_CONNECTION with SUBSCRIPTION_LIMIT; the others keep going', async () => {
    const connection = await rawConnection(webSocketBounds);
    const heartbeat = 'subscription { heartbeat(intervalMs: 50) }';
    connection.subscribe('1', heartbeat);
    connection.subscribe('2', heartbeat);
    await waitFor(
      'both heartbeats',
      () => connection.of('1', 'next').length > 0 && connection.of('2', 'next').length > 0,
    );
    connection.subscribe('3', heartbeat);
    await waitFor('the refusal', () => connection.of('3', 'error').length > 0);
    expect(errorCodeOf(connection.of('3', 'error')[0])).toBe('SUBSCRIPTION_LIMIT');
    const seen = { one: connection.of('1', 'next').length, two: connection.of('2', 'next').length };
    await waitFor(
      'both heartbeats after the refusal',
      () => connection.of('1', 'next').length > seen.one && connection.of('2', 'next').length > seen.two,
    );
    expect(connection.of('3', 'next')).toEqual([]);
    expect(connection.socket.readyState).toBe(WebSocket.OPEN);
    connection.socket.close();
  });

  it('terminates a peer that stops answering pings within the ping interval, and keeps one that answers', async () => {
    const answering = await rawConnection(webSocketBounds);
    const dead = await rawConnection(webSocketBounds, { autoPong: false });
    const openedAt = Date.now();
    // 1006: the server terminated the socket without a close frame.
    expect(await dead.closed).toBe(1006);
    // One interval to the ping, one for the missing pong, and room for a loaded machine.
    expect(Date.now() - openedAt).toBeLessThan(2 * 300 + 1_000);
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    answering.socket.close();
  });
});

describe('rate limits while Redis is away', () => {
  let dependencies: TestDependencies;
  let server: RunningEsgraph;
  const captured = capturedLogger();

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    server = await startEsgraph(
      {
        ...readConfig({ HOST: '127.0.0.1', PORT: '0', RATE_LIMIT_PER_IP: '1', RATE_LIMIT_WINDOW_MS: String(windowMs) }),
        redisUrl: dependencies.redis.url,
        eventStoreConnectionString: dependencies.esdb.connectionString,
      },
      captured.log,
    );
  });

  afterAll(async () => {
    await server?.stop();
    await dependencies?.stop();
  });

  it('serves every request (fail open) and says so once at warn', async () => {
    expect((await post(server.url)).status).toBe(200);
    expectRateLimited(await post(server.url));
    await dependencies.redis.stop();
    for (let i = 0; i < 3; i += 1) expect((await post(server.url)).status).toBe(200);
    const warnings = captured.lines().filter((line) => String(line.msg).startsWith('rate limits not counted'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(40);
  });
});
