import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { pageDataElementId } from '../../../src/server/static-pages.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { sendRaw } from '../../support/raw-http.js';
import { STAFF_USER, staffToken } from '../../support/test-tokens.js';

/*
 * Where GraphiQL is served, over plain HTTP (the page itself is driven in test/e2e/graphiql.test.ts):
 * to a browser opening /graphql and at /graphiql/, with the development token only when the server
 * has one, and nowhere with GRAPHIQL=off. Needs the built page (`npm run build:web`).
 */

let dependencies: TestDependencies;
let withToken: RunningEsgraph;
let withoutToken: RunningEsgraph;
let off: RunningEsgraph;

const browserGet = (url: string) =>
  sendRaw(url, {
    method: 'GET',
    headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', authorization: null },
  });

const pageDataOf = (html: string): unknown => {
  const data = new RegExp(`<script type="application/json" id="${pageDataElementId}">(.*?)</script>`).exec(html);
  return data ? JSON.parse(data[1]!) : undefined;
};

beforeAll(async () => {
  dependencies = await startTestDependencies();
  const developmentTokens = [{ sub: STAFF_USER, roles: ['teller'] as const, token: staffToken }];
  [withToken, withoutToken, off] = await Promise.all([
    startTestEsgraph(dependencies, {}, { developmentTokens }),
    startTestEsgraph(dependencies),
    startTestEsgraph(dependencies, { GRAPHIQL: 'off' }, { developmentTokens }),
  ]);
});

afterAll(async () => {
  await Promise.all([withToken, withoutToken, off].map((server) => server?.stop()));
  await dependencies?.stop();
});

describe('the GraphiQL page', () => {
  it('is what a browser opening /graphql gets, with the development token for its header editor', async () => {
    const answer = await browserGet(withToken.url);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
    expect(answer.body).toMatch(/<script type="module" crossorigin src="\/graphiql\/assets\/index-[\w-]+\.js">/);
    expect(pageDataOf(answer.body)).toEqual({ headers: { Authorization: `Bearer ${staffToken}` } });
  });

  it('is served at /graphiql/ with its hashed assets, and listed among the served pages', async () => {
    const origin = new URL(withToken.url).origin;
    expect(withToken.pages).toEqual([
      { name: 'graphiql', url: `${origin}/graphiql/` },
      { name: 'app', url: `${origin}/app/` },
    ]);
    const page = await browserGet(`${origin}/graphiql/`);
    expect(page.status).toBe(200);
    const script = /src="(\/graphiql\/assets\/index-[\w-]+\.js)"/.exec(page.body)![1]!;
    const asset = await sendRaw(`${origin}${script}`, { method: 'GET' });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('carries no token when the server has none to give (a configured key source)', async () => {
    const answer = await browserGet(withoutToken.url);
    expect(answer.status).toBe(200);
    expect(pageDataOf(answer.body)).toEqual({});
    expect(answer.body).not.toContain('Bearer');
  });

  it('leaves a GET that names a query, or asks for JSON, to GraphQL', async () => {
    const query = await sendRaw(`${withToken.url}?query=${encodeURIComponent('{ serverInfo { name } }')}`, {
      method: 'GET',
      headers: { accept: 'text/html, application/json', 'apollo-require-preflight': 'true' },
    });
    expect(query.status).toBe(200);
    expect(JSON.parse(query.body)).toEqual({ data: { serverInfo: { name: 'esgraph' } } });
    const json = await sendRaw(withToken.url, { method: 'GET', headers: { accept: 'application/json' } });
    expect(json.headers['content-type']).toMatch(/^application\/json/);
  });

  it('is not served with GRAPHIQL=off: /graphiql/ is 404 and /graphql answers as GraphQL', async () => {
    // The web app (served whatever GRAPHIQL says) is the only page left.
    expect(off.pages.map(({ name }) => name)).toEqual(['app']);
    const origin = new URL(off.url).origin;
    expect((await browserGet(`${origin}/graphiql/`)).status).toBe(404);
    const answer = await browserGet(off.url);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.body).not.toContain(staffToken);
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('BAD_REQUEST');
  });
});
