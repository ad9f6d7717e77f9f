import { SignJWT } from 'jose';
import type { Role } from '../../src/identity/index.js';

/*
 * The key every test server verifies tokens with, unless a test brings its own key source, and
 * the tokens the shared clients send. Tests run with authorization as production has it: a
 * request without a token may read `serverInfo` and nothing else.
 */

/** HS256 secret of every server the test harness starts (long enough for the config's minimum). */
export const TEST_JWT_SECRET = 'esgraph-test-secret-never-used-outside-tests';

const key = new TextEncoder().encode(TEST_JWT_SECRET);

/** A token for `sub` with `roles`, signed with the test secret; valid for `ttlSeconds` (an hour). */
export const testToken = (sub: string, roles: readonly Role[], ttlSeconds = 3600): Promise<string> =>
  new SignJWT({ roles: [...roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key);

/**
 * What the shared clients send unless told otherwise: a member of staff who is teller, manager
 * and auditor at once, so one token may run every command and read every view. Tests of the
 * policy itself use single-role tokens.
 */
export const STAFF_USER = 'test-staff';
export const staffToken = await testToken(STAFF_USER, ['teller', 'manager', 'auditor'], 24 * 3600);

/** The Authorization header value of `token`. */
export const bearer = (token: string): string => `Bearer ${token}`;

/**
 * The environment a test server gets for identity: the test secret, unless the test chose a key
 * source of its own (an empty JWT_SECRET asks for the embedded dev secret).
 */
export const withTestKey = (env: Record<string, string>): Record<string, string> =>
  'JWT_SECRET' in env || 'JWT_JWKS_URL' in env ? env : { JWT_SECRET: TEST_JWT_SECRET, ...env };
