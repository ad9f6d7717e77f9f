import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningEsgraph } from '../../../src/app.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';

/** A raw HTTP exchange, so Host and Origin can be set as a browser (or a rebinding page) would. */
const send = (
  url: string,
  { method = 'POST', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });

const query = JSON.stringify({ query: '{ serverInfo { name } }' });
const json = { 'content-type': 'application/json' };

/** The status the server answers a WebSocket upgrade with: 101 when it opens. */
const upgradeStatus = (url: string, headers: Record<string, string>): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.once('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) reject(error);
    });
  });

describe('the edge: origins and hosts', () => {
  let dependencies: TestDependencies;
  let development: RunningEsgraph;
  let listed: RunningEsgraph;
  const app = 'https://app.example.com';

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    [development, listed] = await Promise.all([
      startTestEsgraph(dependencies),
      startTestEsgraph(dependencies, { CORS_ORIGINS: app, ALLOWED_HOSTS: 'api.example.com,127.0.0.1' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([development?.stop(), listed?.stop()]);
    await dependencies?.stop();
  });

  describe('CORS', () => {
    it('echoes an allowed origin with Vary: Origin, and answers it', async () => {
      const response = await send(listed.url, { headers: { ...json, origin: app }, body: query });
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe(app);
      expect(response.headers.vary).toMatch(/Origin/);
      expect(JSON.parse(response.body)).toEqual({ data: { serverInfo: { name: 'esgraph' } } });
    });

    it('gives a foreign origin no CORS header, so its page cannot read the answer', async () => {
      const response = await send(listed.url, { headers: { ...json, origin: 'https://evil.example' }, body: query });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers.vary).toMatch(/Origin/);
    });

    it('answers the preflight of an allowed origin with the methods and headers a GraphQL client sends', async () => {
      const response = await send(listed.url, {
        method: 'OPTIONS',
        headers: {
          origin: app,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, x-request-id, apollo-require-preflight',
        },
      });
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(app);
      expect(response.headers['access-control-allow-methods']).toMatch(/POST/);
      const allowedHeaders = String(response.headers['access-control-allow-headers']).split(/,\s*/);
      expect(allowedHeaders).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'x-request-id', 'apollo-require-preflight']),
      );
    });

    it('refuses the preflight of a foreign origin with 403 and no CORS header', async () => {
      const response = await send(listed.url, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(response.status).toBe(403);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-headers']).toBeUndefined();
    });

    it('allows any loopback origin in development and no other', async () => {
      for (const origin of [
        'http://localhost:3000',
        'http://127.0.0.1:5173',
        'https://[::1]:8443',
        'http://localhost',
      ]) {
        const response = await send(development.url, { headers: { ...json, origin }, body: query });
        expect(response.headers['access-control-allow-origin'], origin).toBe(origin);
      }
      for (const origin of ['http://localhost.evil.example', 'https://app.example.com', 'null']) {
        const response = await send(development.url, { headers: { ...json, origin }, body: query });
        expect(response.headers['access-control-allow-origin'], origin).toBeUndefined();
      }
    });

    it("keeps Apollo's CSRF prevention on: a simple cross-site request is refused unexecuted", async () => {
      const response = await send(`${development.url}?query=${encodeURIComponent('{ serverInfo { name } }')}`, {
        method: 'GET',
        headers: { origin: 'https://evil.example' },
      });
      expect(response.status).toBe(400);
      expect(response.body).toMatch(/CSRF/);
      expect(response.body).not.toMatch(/esgraph/);
    });
  });

  describe('WebSocket Origin', () => {
    it('refuses an upgrade from a foreign origin with 403, before the handshake', async () => {
      expect(await upgradeStatus(development.url, { origin: 'https://evil.example' })).toBe(403);
      expect(await upgradeStatus(listed.url, { origin: 'http://localhost:3000' })).toBe(403);
    });

    it('opens for a loopback origin in development and for a listed one', async () => {
      expect(await upgradeStatus(development.url, { origin: 'http://localhost:3000' })).toBe(101);
      expect(await upgradeStatus(listed.url, { origin: app })).toBe(101);
    });

    it('opens for a client that sends no Origin (not a browser)', async () => {
      expect(await upgradeStatus(development.url, {})).toBe(101);
    });
  });

  describe('Host', () => {
    it('refuses a Host it does not answer to with 421 and HOST_NOT_ALLOWED, over HTTP', async () => {
      for (const server of [development, listed]) {
        const response = await send(server.url, { headers: { ...json, host: 'rebound.evil.example' }, body: query });
        expect(response.status).toBe(421);
        expect(JSON.parse(response.body).errors[0].extensions.code).toBe('HOST_NOT_ALLOWED');
      }
    });

    it('refuses it at the WebSocket upgrade too', async () => {
      expect(await upgradeStatus(development.url, { host: 'rebound.evil.example' })).toBe(421);
      expect(await upgradeStatus(listed.url, { host: 'rebound.evil.example:4000' })).toBe(421);
    });

    it('answers the loopback names on any port in development, and the listed names otherwise', async () => {
      for (const host of ['localhost:4000', '127.0.0.1', '[::1]:9']) {
        const response = await send(development.url, { headers: { ...json, host }, body: query });
        expect(response.status, host).toBe(200);
      }
      const response = await send(listed.url, { headers: { ...json, host: 'api.example.com:443' }, body: query });
      expect(response.status).toBe(200);
      expect(await upgradeStatus(listed.url, { host: 'api.example.com' })).toBe(101);
      const localhost = await send(listed.url, { headers: { ...json, host: 'localhost' }, body: query });
      expect(localhost.status).toBe(421);
    });
  });
});
