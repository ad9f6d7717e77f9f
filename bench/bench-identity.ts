import { randomBytes } from 'node:crypto';
import { mintToken, type Role } from '../src/identity/index.js';

/*
 * Who the benchmarks are: every server a benchmark starts verifies tokens with this run's own
 * secret, and every client sends a staff token (teller and manager at once: every command and
 * every view), so the figures include what production pays for identity and authorization on
 * each request. Not an auditor: an auditor's every read is logged, a cost of auditing, which
 * bench:edge measures on its own.
 */

/** This run's HS256 secret; servers get it as JWT_SECRET. */
export const benchJwtSecret = randomBytes(32).toString('base64url');

/** An Authorization header value for `sub` with `roles`, signed with this run's secret. */
export const benchAuthorizationFor = async (sub: string, roles: readonly Role[]): Promise<string> =>
  `Bearer ${await mintToken(benchJwtSecret, { sub, roles, ttlSeconds: 24 * 3600 })}`;

/** The Authorization header value (and graphql-ws `connection_init` authorization) clients send. */
export const benchAuthorization = await benchAuthorizationFor('bench-staff', ['teller', 'manager']);
