import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageDataElementId, servePages, underBundle, type WebBundle } from '../../../src/server/static-pages.js';
import { openRecordedPage, requestsElsewhere, useBrowser } from '../../support/browser.js';

/*
 * The static pages' handler over real HTTP, on a bundle laid out as Vite lays one out
 * (index.html, hashed files under assets/) in a temporary directory, with a secret beside it that
 * no path may reach.
 */

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** What the demo page runs: it shows the page data the server put in. */
const mainScript = `document.body.dataset.token = JSON.parse(document.getElementById('${pageDataElementId}').textContent).token;`;

let server: Server;
let port: number;
let root: string;

/** A request whose path goes on the wire exactly as written (no URL normalisation of `..`). */
const get = (path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end();
  });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'esgraph-static-pages-'));
  const directory = join(root, 'dist-web', 'demo');
  await mkdir(join(directory, 'assets'), { recursive: true });
  await writeFile(join(root, 'dist-web', 'secret.txt'), 'not for the web');
  await writeFile(join(directory, '.stamp'), 'dotfile');
  await writeFile(
    join(directory, 'index.html'),
    '<!doctype html><html><head><script>document.body.dataset.inline = "ran"</script>' +
      '<script type="module" src="/demo/assets/main-abc123.js"></script></head><body></body></html>',
  );
  await writeFile(join(directory, 'assets', 'main-abc123.js'), mainScript);
  await writeFile(join(directory, 'assets', 'style-def456.css'), 'body{}');
  await writeFile(join(directory, 'assets', 'font-0a1b2c.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  await writeFile(join(directory, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const bundles: WebBundle[] = [
    { name: 'demo', directory, pageData: () => ({ token: '</script><script>alert(1)</script>' }) },
    { name: 'routed', directory, clientRoutes: true },
  ];
  const handlers = bundles.map((bundle) => ({ bundle, serve: servePages(bundle) }));
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handler = handlers.find(({ bundle }) => underBundle(bundle, path));
    if (handler) void handler.serve(req, res, path);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

describe('a web bundle', () => {
  const browser = useBrowser();

  it('runs in a browser from this server alone: its own script runs, an inline one does not', async () => {
    const opened = await openRecordedPage(browser.browser);
    try {
      await opened.page.goto(`http://127.0.0.1:${port}/demo/`);
      await opened.page.waitForFunction('document.body.dataset.token !== undefined');
      expect(await opened.page.evaluate('document.body.dataset.token')).toBe('</script><script>alert(1)</script>');
      expect(await opened.page.evaluate('document.body.dataset.inline')).toBeUndefined();
      expect(opened.requests).toContain(`http://127.0.0.1:${port}/demo/assets/main-abc123.js`);
      expect(requestsElsewhere(opened.requests, `http://127.0.0.1:${port}`)).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('serves index.html at the prefix, uncached, with the page data the page cannot be broken out of', async () => {
    for (const path of ['/demo', '/demo/', '/demo/index.html']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['cache-control']).toBe('no-cache');
      const data = new RegExp(`<script type="application/json" id="${pageDataElementId}">(.*?)</script>`).exec(
        answer.body,
      );
      expect(JSON.parse(data![1]!)).toEqual({ token: '</script><script>alert(1)</script>' });
    }
  });

  it('serves hashed assets as immutable with their content types', async () => {
    const types = {
      '/demo/assets/main-abc123.js': 'text/javascript; charset=utf-8',
      '/demo/assets/style-def456.css': 'text/css; charset=utf-8',
      '/demo/assets/font-0a1b2c.woff2': 'font/woff2',
    };
    for (const [path, type] of Object.entries(types)) {
      const answer = await get(path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-type'], path).toBe(type);
      expect(answer.headers['cache-control'], path).toBe('public, max-age=31536000, immutable');
    }
    const js = await get('/demo/assets/main-abc123.js');
    expect(js.body).toBe(mainScript);
  });

  it('serves files outside assets/ revalidated on every use', async () => {
    const answer = await get('/demo/favicon.svg');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('image/svg+xml');
    expect(answer.headers['cache-control']).toBe('no-cache');
    const again = await get('/demo/favicon.svg', 'GET', { 'if-none-match': String(answer.headers.etag) });
    expect(again.status).toBe(304);
  });

  it('tells the browser to load nothing from another host', async () => {
    const answer = await get('/demo/');
    const policy = String(answer.headers['content-security-policy']);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain(`connect-src 'self' ws://127.0.0.1:${port} wss://127.0.0.1:${port}`);
    expect(policy).not.toMatch(/https?:\/\//);
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['x-frame-options']).toBe('DENY');
  });

  it('answers 404 for a missing file, a directory, a dotfile and any path out of the bundle', async () => {
    for (const path of [
      '/demo/missing.js',
      '/demo/assets',
      '/demo/assets/',
      '/demo/.stamp',
      '/demo/../secret.txt',
      '/demo/assets/../../secret.txt',
      '/demo/%2e%2e/secret.txt',
      '/demo/..%2fsecret.txt',
      '/demo/%00',
    ]) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain('not for the web');
    }
  });

  it('answers only GET and HEAD', async () => {
    const posted = await get('/demo/', 'POST');
    expect(posted.status).toBe(405);
    expect(posted.headers.allow).toBe('GET, HEAD');
    const head = await get('/demo/assets/main-abc123.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('with client routes, serves index.html for an extensionless path and still 404s a missing file', async () => {
    const routed = await get('/routed/accounts/42');
    expect(routed.status).toBe(200);
    expect(routed.headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await get('/routed/assets/gone-123.js')).status).toBe(404);
    expect((await get('/demo/accounts/42')).status).toBe(404);
  });
});
