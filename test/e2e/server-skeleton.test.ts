import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRedis } from '../../src/core/redis/embedded-redis.js';
import { startEsdbLocal } from '../../src/esdb-local/index.js';
import { HeartbeatDocument, ServerInfoDocument } from '../generated/graphql.js';
import { executeOk, subscribe, wsClient } from '../support/graphql-client.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

describe('the server skeleton', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers serverInfo over HTTP POST with its name, version and roles', async () => {
    const data = await executeOk(server.url, ServerInfoDocument);
    expect(data.serverInfo).toEqual({ name: 'esgraph', version: '0.1.0', roles: ['command', 'query', 'projector'] });
  });

  it('answers a query over HTTP GET', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ serverInfo { name } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { serverInfo: { name: 'esgraph' } } });
  });

  it('answers /healthz and /readyz with 200 while Redis and the event store answer', async () => {
    const health = await fetch(`${server.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: [
        { name: 'redis', ok: true },
        { name: 'eventstore', ok: true },
      ],
    });
  });

  it('streams heartbeats over graphql-ws and stops them when the client unsubscribes', async () => {
    const client = wsClient(server.wsUrl);
    try {
      const first = subscribe(client, HeartbeatDocument, { intervalMs: 20 });
      const ticks: string[] = [];
      for await (const result of first) {
        ticks.push(result.data?.heartbeat ?? 'missing');
        if (ticks.length === 2) break; // `break` calls return(): the client sends `complete`
      }
      expect(ticks.every((tick) => !Number.isNaN(Date.parse(tick)))).toBe(true);
      expect(Date.parse(ticks[1]!)).toBeGreaterThan(Date.parse(ticks[0]!));

      // The server honoured `complete` if a second subscription on the same socket can run to
      // completion by itself: the first one's ticks would otherwise still arrive alongside.
      const second = subscribe(client, HeartbeatDocument, { intervalMs: 20 });
      let count = 0;
      for await (const result of second) {
        expect(result.data?.heartbeat).toBeTypeOf('string');
        if (++count === 3) break;
      }
      expect(count).toBe(3);
    } finally {
      await client.dispose();
    }
  });

  it('rejects a heartbeat interval out of range with BAD_USER_INPUT', async () => {
    const client = wsClient(server.wsUrl);
    try {
      const results = subscribe(client, HeartbeatDocument, { intervalMs: 1 });
      const { value } = await results.next();
      expect(value?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(value?.errors?.[0]?.message).toMatch(/intervalMs must be between 10 and 60000/);
    } finally {
      await client.dispose();
    }
  });

  it('answers an unknown path with 404', async () => {
    expect((await fetch(`${server.baseUrl}/nowhere`)).status).toBe(404);
  });
});

/** The body of the first 503 /readyz answers, once a dependency has gone. */
const unreadiness = (server: ServerProcess): Promise<unknown> =>
  waitFor('readyz to report 503', async () => {
    const response = await fetch(`${server.baseUrl}/readyz`);
    return response.status === 503 ? response.json() : undefined;
  });

describe('readiness', () => {
  it('turns /readyz to 503 when Redis stops, while /healthz stays 200', async () => {
    const redis = await startEmbeddedRedis();
    const server = await startServerProcess({ REDIS_URL: redis.url });
    try {
      expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
      await redis.stop();
      const body = await unreadiness(server);
      expect(body).toMatchObject({
        status: 'unavailable',
        checks: [
          { name: 'redis', ok: false },
          { name: 'eventstore', ok: true },
        ],
      });
      expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
      await redis.stop();
    }
  });

  it('turns /readyz to 503 naming the event store when it stops answering', async () => {
    const esdb = await startEsdbLocal({ mem: true });
    const server = await startServerProcess({ EVENTSTORE_CONNECTION_STRING: esdb.connectionString });
    try {
      expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
      await esdb.stop();
      const body = await unreadiness(server);
      expect(body).toMatchObject({
        status: 'unavailable',
        checks: [
          { name: 'redis', ok: true },
          { name: 'eventstore', ok: false },
        ],
      });
    } finally {
      await server.stop();
      await esdb.stop();
    }
  });
});
