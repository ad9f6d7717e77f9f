import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OriginAllowList } from '../config.js';
import { originAllowed } from './request-origins.js';

/** What a browser app may send: auth, JSON, its own request id, and Apollo's CSRF-prevention header. */
const allowedHeaders = 'authorization, content-type, x-request-id, apollo-require-preflight, x-apollo-operation-name';
/** What it may read back beyond the CORS-safelisted headers. */
const exposedHeaders = 'x-request-id, retry-after';
const preflightMaxAgeSeconds = '600';

/**
 * CORS for /graphql. An allowed origin is echoed (never `*`, and with `Vary: Origin` so no cache
 * hands one origin's answer to another); any other origin gets no CORS header at all, so the
 * browser keeps the answer from its page. Returns true when it answered the request itself (a
 * preflight), false when the request goes on to GraphQL.
 *
 * A foreign origin's request is not refused here: what it could send without a preflight (a
 * "simple" request) is what Apollo's CSRF prevention refuses, and anything else needs the
 * preflight this refuses (403, no CORS header).
 */
export const answerCors = (allowed: OriginAllowList, req: IncomingMessage, res: ServerResponse): boolean => {
  res.setHeader('vary', 'Origin');
  const origin = req.headers.origin;
  const permitted = origin !== undefined && originAllowed(allowed, origin);
  if (permitted) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', exposedHeaders);
  }
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (!preflight) return false;
  if (permitted) {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', allowedHeaders);
    res.setHeader('access-control-max-age', preflightMaxAgeSeconds);
  }
  res.writeHead(permitted ? 204 : 403).end();
  return true;
};
