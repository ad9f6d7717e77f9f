import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** The address a request (or a WebSocket upgrade) came from, as the per-IP rate limit counts it. */
export type ClientAddress = (req: IncomingMessage) => string | undefined;

/**
 * The socket's address, or, with trusted proxies (`TRUST_PROXY`), the nearest address in
 * `X-Forwarded-For` that is not one of theirs: proxy-addr walks the header from the right and
 * stops at the first hop it does not trust, so a client cannot name an address of its choosing
 * by sending the header itself.
 */
export const clientAddressOf = (trustedProxies: readonly string[]): ClientAddress => {
  if (trustedProxies.length === 0) return (req) => req.socket.remoteAddress;
  const trust = proxyAddr.compile([...trustedProxies]);
  return (req) => proxyAddr(req, trust);
};
