import { describe, expect, it } from 'vitest';
import { type Authenticate, createTokenVerifier } from '../../../src/identity/token-verifier.js';
import { cachingVerifiedTokens } from '../../../src/identity/verified-token-cache.js';
import { capturedLogger, signWithSecret } from '../../support/identity.js';

/*
 * The verified-token cache around the real HS256 verifier: the verifier is counted, not replaced,
 * so what is asserted is how often a signature is really checked.
 */

const secret = 'a-test-secret-that-is-long-enough-for-hs256';

const countedVerifier = (): { authenticate: Authenticate; checks: () => number } => {
  const verify = createTokenVerifier({ secret, rolesClaim: 'roles' }, capturedLogger().log);
  let checks = 0;
  return {
    authenticate: (authorization) => {
      checks += 1;
      return verify(authorization);
    },
    checks: () => checks,
  };
};

const bearerFor = async (sub: string) => `Bearer ${await signWithSecret(secret, { sub, roles: ['teller'] })}`;

describe('verified-token cache', () => {
  it('checks a token once and answers its repeats with the same identity', async () => {
    const { authenticate, checks } = countedVerifier();
    const cached = cachingVerifiedTokens(authenticate, 60_000);
    const token = await bearerFor('ann');
    const first = await cached(token);
    const again = await cached(token);
    expect(again).toEqual(first);
    expect(first?.userId).toBe('ann');
    expect(checks()).toBe(1);
    await cached(await bearerFor('bob'));
    expect(checks()).toBe(2);
  });

  it('keeps no refusal: a bad token is checked, and refused, every time', async () => {
    const { authenticate, checks } = countedVerifier();
    const cached = cachingVerifiedTokens(authenticate, 60_000);
    const forged = `${(await bearerFor('ann')).slice(0, -4)}AAAA`;
    await expect(cached(forged)).rejects.toThrow('Invalid or expired token');
    await expect(cached(forged)).rejects.toThrow('Invalid or expired token');
    expect(checks()).toBe(2);
  });

  it('with TOKEN_CACHE_MS=0 checks every time, and never caches an anonymous request', async () => {
    const { authenticate, checks } = countedVerifier();
    const uncached = cachingVerifiedTokens(authenticate, 0);
    const token = await bearerFor('ann');
    await uncached(token);
    await uncached(token);
    expect(checks()).toBe(2);
    const cached = cachingVerifiedTokens(authenticate, 60_000);
    expect(await cached(undefined)).toBeUndefined();
  });
});
