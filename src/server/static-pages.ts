import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import send from 'send';

/*
 * The web bundles esgraph serves: each is built by Vite from `web/<name>/` into
 * `dist-web/<name>/` (`npm run build:web`), with `base: '/<name>/'`, so its pages ask for
 * `/<name>/assets/<file>-<hash>.<ext>`. Everything a page loads comes from this server; the
 * headers below tell the browser to load nothing from anywhere else.
 */

/** Where `npm run build:web` puts the bundles: `dist-web/` at the package root (two levels above this file). */
export const webBundlesDirectory = fileURLToPath(new URL('../../dist-web/', import.meta.url));

/** One built bundle, served under `/<name>/`. */
export interface WebBundle {
  /** The folder under `web/` and `dist-web/`, and the URL prefix (`graphiql` → `/graphiql/`). */
  readonly name: string;
  /** How the start banner names its page (`GraphiQL`); its name when absent. */
  readonly label?: string;
  /** Where its files are; `dist-web/<name>/` unless a test builds elsewhere. */
  readonly directory?: string;
  /**
   * What the server tells the page when it serves `index.html`: JSON in
   * `<script type="application/json" id="esgraph-page-data">`, which the page parses (a data block
   * is not script, so the CSP's `script-src 'self'` allows it). Recomputed for every request.
   */
  readonly pageData?: () => unknown;
  /** Serve `index.html` for paths with no file extension that match no file (client-side routing). */
  readonly clientRoutes?: boolean;
}

export const pageDataElementId = 'esgraph-page-data';

/** A host name as the Host allow-list reads it (name or [v6], optional port), safe to put in a header. */
const hostPattern = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * Nothing from another host: scripts, styles, fonts, images, workers and connections come from
 * this origin only. WebSocket URLs are spelled out (`ws:`/`wss:` of this host) because CSP 2
 * browsers do not count them as 'self'. Styles allow inline (`style-src 'unsafe-inline'`):
 * Monaco and React set style attributes and insert `<style>` elements at run time.
 */
export const contentSecurityPolicy = (host: string | undefined): string => {
  const sockets = host !== undefined && hostPattern.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "img-src 'self' data:",
    "worker-src 'self'",
    `connect-src 'self'${sockets}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
};

const setSecurityHeaders = (req: IncomingMessage, res: ServerResponse): void => {
  res.setHeader('content-security-policy', contentSecurityPolicy(req.headers.host));
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
};

/** JSON that cannot end the `<script>` element it sits in, nor open a comment. */
const scriptSafeJson = (value: unknown): string =>
  JSON.stringify(value ?? null)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const notFound = (res: ServerResponse): void => {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
};

/** `index.html` with the page data in it, never cached: it names the hashed assets of the current build. */
const serveIndex = async (bundle: WebBundle, directory: string, req: IncomingMessage, res: ServerResponse) => {
  let html: string;
  try {
    html = await readFile(`${directory}index.html`, 'utf8');
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`the ${bundle.name} page is not built: run npm run build:web`);
    return;
  }
  if (bundle.pageData) {
    const data = `<script type="application/json" id="${pageDataElementId}">${scriptSafeJson(bundle.pageData())}</script>`;
    html = html.replace('</head>', `${data}</head>`);
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : html);
};

/** Serves one file of the bundle through `send` (ranges, ETag, conditional GET, traversal refused). */
const serveFile = (directory: string, file: string, req: IncomingMessage, res: ServerResponse): Promise<number> =>
  new Promise((resolve) => {
    // Vite names everything under assets/ by its content hash: a changed file gets a new name.
    const hashed = file.startsWith('/assets/');
    send(req, file, {
      root: directory,
      index: false,
      dotfiles: 'deny',
      ...(hashed ? { maxAge: '365d', immutable: true } : { cacheControl: false }),
    })
      .on('headers', (response: ServerResponse) => {
        if (!hashed) response.setHeader('cache-control', 'no-cache');
      })
      .on('error', (error: { status?: number }) => resolve(error.status ?? 500))
      // A directory is no page of ours: no redirect to its slash, a 404 like a missing file.
      .on('directory', () => resolve(404))
      .pipe(res);
    // After a body, a 304 or a client gone away alike; an error resolved first.
    res.once('close', () => resolve(res.statusCode));
  });

export type PageHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

/**
 * The handler of one bundle for paths under `/<name>` (the caller matched the prefix):
 * GET and HEAD only, `index.html` at `/<name>` and `/<name>/`, files under it, 404 for anything
 * else (a path climbing out of the directory included).
 */
export const servePages = (bundle: WebBundle): PageHandler => {
  const directory = (bundle.directory ?? `${webBundlesDirectory}${bundle.name}`).replace(/\/?$/, '/');
  const prefix = `/${bundle.name}`;
  return async (req, res, path) => {
    setSecurityHeaders(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed');
      return;
    }
    const file = path.slice(prefix.length);
    if (file === '' || file === '/' || file === '/index.html') return serveIndex(bundle, directory, req, res);
    const status = await serveFile(directory, file, req, res);
    if (status === 200 || res.headersSent) return;
    const route = bundle.clientRoutes === true && status === 404 && !/\.[^/]*$/.test(file);
    if (route) return serveIndex(bundle, directory, req, res);
    if (status >= 500) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('internal server error');
      return;
    }
    // A refused path (outside the directory, a dotfile) says no more than a missing one.
    notFound(res);
  };
};

/** Whether `path` is under the bundle's prefix: `/<name>` itself or `/<name>/…`. */
export const underBundle = (bundle: WebBundle, path: string): boolean =>
  path === `/${bundle.name}` || path.startsWith(`/${bundle.name}/`);

/** Whether a GET asks for a page rather than data: a browser's navigation lists text/html. */
export const wantsHtml = (req: IncomingMessage): boolean =>
  req.method === 'GET' && (req.headers.accept ?? '').toLowerCase().includes('text/html');

/** The handler serving `index.html` of a bundle at another path (GraphiQL at GET /graphql). */
export const serveIndexOf = (bundle: WebBundle): ((req: IncomingMessage, res: ServerResponse) => Promise<void>) => {
  const handler = servePages(bundle);
  return (req, res) => handler(req, res, `/${bundle.name}/`);
};
