import type { IncomingMessage } from 'node:http';
import type { HostAllowList, OriginAllowList } from '../config.js';

/*
 * Who may reach the server from a browser, and under which name. Two checks, shared by HTTP and
 * the WebSocket upgrade: the `Origin` a browser stamps on cross-site requests (CORS and the
 * upgrade), and the `Host` the request was sent to, so a page that rebinds its own DNS name to
 * 127.0.0.1 (DNS rebinding) still names a host the server does not answer to.
 */

/** The names that always mean this machine; `[::1]` is how URLs and Host headers spell ::1. */
const loopbackNames = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Splits `name[:port]` (IPv6 in brackets); undefined when it is not that shape. */
const splitAuthority = (authority: string): { name: string; port: string | undefined } | undefined => {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d*))?$/.exec(authority.trim().toLowerCase());
  if (!match || match[1] === '') return undefined;
  return { name: match[1]!, port: match[2] || undefined };
};

/** Whether a browser on `origin` may call: exact match against the list, or any loopback origin. */
export const originAllowed = (allowed: OriginAllowList, origin: string): boolean => {
  if (allowed !== 'loopback') return allowed.includes(origin.toLowerCase());
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && loopbackNames.has(url.hostname);
  } catch {
    return false;
  }
};

/** Whether the server answers to this `Host` header (an absent one only when any host is allowed). */
export const hostAllowed = (allowed: HostAllowList, host: string | undefined): boolean => {
  if (allowed === 'any') return true;
  const authority = host === undefined ? undefined : splitAuthority(host);
  if (authority === undefined) return false;
  if (allowed === 'loopback') return loopbackNames.has(authority.name);
  return allowed.some((entry) => {
    const listed = splitAuthority(entry);
    return listed?.name === authority.name && (listed.port === undefined || listed.port === authority.port);
  });
};

/** Why a request is refused before anything else looks at it: status and code, for HTTP and upgrades. */
export interface EdgeRefusal {
  readonly status: number;
  readonly code: 'HOST_NOT_ALLOWED' | 'ORIGIN_NOT_ALLOWED';
  readonly message: string;
}

export const hostNotAllowed: EdgeRefusal = {
  status: 421,
  code: 'HOST_NOT_ALLOWED',
  message: 'This server does not answer to that Host; see ALLOWED_HOSTS',
};

export const originNotAllowed: EdgeRefusal = {
  status: 403,
  code: 'ORIGIN_NOT_ALLOWED',
  message: 'Requests from this Origin are not allowed; see CORS_ORIGINS',
};

/** The allow-lists a server enforces. */
export interface EdgeAllowLists {
  readonly origins: OriginAllowList;
  readonly hosts: HostAllowList;
}

/**
 * The check at the WebSocket upgrade: browsers cannot be stopped by CORS there (the handshake is
 * not subject to it), so a foreign `Origin` is refused outright. No `Origin` at all is a
 * non-browser client, which no page can drive, and is let through.
 */
export const refuseUpgrade = (allowed: EdgeAllowLists, req: IncomingMessage): EdgeRefusal | undefined => {
  if (!hostAllowed(allowed.hosts, req.headers.host)) return hostNotAllowed;
  const origin = req.headers.origin;
  if (origin !== undefined && !originAllowed(allowed.origins, origin)) return originNotAllowed;
  return undefined;
};
