import { LRUCache } from 'lru-cache';
import type { Identity } from './identity.js';
import type { Authenticate } from './token-verifier.js';

/** Tokens kept at most: a few thousand callers with a token each, a few MiB. */
const MAX_TOKENS = 10_000;

/**
 * Remembers each `Authorization` value that verified, with its identity, for at most `maxAgeMs`
 * and never past its token's `exp`, so a caller sending the same token again skips the signature
 * check (WebCrypto's HMAC or RSA, the largest fixed cost of a request). Only successes are kept:
 * a bad token is checked, logged and refused every time. What it changes: a token signed by a key
 * the identity provider has just withdrawn keeps working for up to `maxAgeMs` more, which
 * `createRemoteJWKSet` (keys cached up to 10 minutes) already allows for the key itself.
 * `maxAgeMs` 0 keeps nothing.
 */
export const cachingVerifiedTokens = (authenticate: Authenticate, maxAgeMs: number): Authenticate => {
  if (maxAgeMs === 0) return authenticate;
  const verified = new LRUCache<string, Identity>({ max: MAX_TOKENS, ttl: maxAgeMs });
  return async (authorization) => {
    if (authorization === undefined) return undefined;
    const known = verified.get(authorization);
    if (known !== undefined) return known;
    const identity = await authenticate(authorization);
    if (identity === undefined) return undefined;
    const untilExpiry = identity.expiresAt === undefined ? maxAgeMs : identity.expiresAt.getTime() - Date.now();
    if (untilExpiry > 0) verified.set(authorization, identity, { ttl: Math.min(maxAgeMs, untilExpiry) });
    return identity;
  };
};
