import { webcrypto } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ServiceUnavailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { type Identity, rolesFromClaims } from './identity.js';

/** Where keys come from and what a token must say; the shape of `Config['jwt']`. */
export interface TokenVerifierOptions {
  /** HS256 shared secret. */
  readonly secret?: string | undefined;
  /** An identity provider's JWKS (RS256/ES256). */
  readonly jwksUrl?: string | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
  /** Where the roles are: a claim name or a dotted path. */
  readonly rolesClaim: string;
  /** Least time between two JWKS fetches (jose's cooldownDuration). */
  readonly jwksCooldownMs?: number;
}

/** A token was sent and is not good. The message is the same whatever the reason. */
export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
  readonly code = 'UNAUTHENTICATED';
  constructor() {
    super('Invalid or expired token');
  }
}

/**
 * Turns an `Authorization` value into an identity: undefined when there is none (anonymous), an
 * `UnauthenticatedError` when there is one that does not verify.
 */
export type Authenticate = (authorization: string | undefined) => Promise<Identity | undefined>;

/** Algorithms are pinned per key source, so a token cannot choose how it is checked (`none`, HS256 with a public key). */
const secretAlgorithms = ['HS256'];
const jwksAlgorithms = ['RS256', 'ES256'];

type Key = webcrypto.CryptoKey | JWTVerifyGetKey;

/**
 * The secret as a WebCrypto key, imported once: given the raw bytes, jose imports them again for
 * every token it verifies, which cost about a third of each verification (`npm run bench:edge`).
 */
const hmacKeyOf = (secret: string): Promise<webcrypto.CryptoKey> =>
  webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);

const keyOf = (options: TokenVerifierOptions): { key: Key | Promise<Key>; algorithms: string[] } | undefined => {
  if (options.secret !== undefined) return { key: hmacKeyOf(options.secret), algorithms: secretAlgorithms };
  // createRemoteJWKSet caches the keys and fetches them again when a token names an unknown kid.
  if (options.jwksUrl !== undefined) {
    const cooldown = options.jwksCooldownMs === undefined ? {} : { cooldownDuration: options.jwksCooldownMs };
    return { key: createRemoteJWKSet(new URL(options.jwksUrl), cooldown), algorithms: jwksAlgorithms };
  }
  return undefined;
};

const bearerPattern = /^Bearer +([^\s]+) *$/i;

/** Why, for the log: jose's code, or ours for what jose does not check. */
const reasonOf = (error: unknown): string => {
  if (error instanceof errors.JOSEError) return error.code;
  return error instanceof Error ? error.message : String(error);
};

const identityOf = (payload: JWTPayload, rolesClaim: string): Identity => ({
  userId: payload.sub as string,
  roles: rolesFromClaims(payload, rolesClaim),
  ...(payload.exp === undefined ? {} : { expiresAt: new Date(payload.exp * 1000) }),
});

/** The one verifier of bearer tokens, for HTTP and WebSocket alike. Logs why a token failed, never the token. */
export const createTokenVerifier = (options: TokenVerifierOptions, log: Logger): Authenticate => {
  const source = keyOf(options);
  const refuse = (reason: string, detail?: Record<string, unknown>): never => {
    log.warn({ reason, ...detail }, 'refused a bearer token');
    throw new UnauthenticatedError();
  };
  return async (authorization) => {
    if (authorization === undefined) return undefined;
    const token = bearerPattern.exec(authorization)?.[1];
    if (token === undefined) return refuse('not a Bearer authorization');
    if (source === undefined) return refuse('no key source configured');
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, (await source.key) as webcrypto.CryptoKey, {
        algorithms: source.algorithms,
        ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
        ...(options.audience === undefined ? {} : { audience: options.audience }),
      });
      payload = verified.payload;
    } catch (error) {
      // The provider's JWKS could not be fetched: the token may well be good, so this is not the client's fault.
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        log.warn({ reason: reasonOf(error) }, 'could not fetch the JWKS to verify a bearer token');
        throw new ServiceUnavailableError('The identity provider cannot be reached; try again shortly');
      }
      const claim = error instanceof errors.JWTClaimValidationFailed ? { claim: error.claim } : {};
      return refuse(reasonOf(error), claim);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') return refuse('no sub claim');
    return identityOf(payload, options.rolesClaim);
  };
};
