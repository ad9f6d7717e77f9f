import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { pino } from 'pino';
import type { Logger } from '../../src/core/logger.js';

/** A logger whose lines the test can read back, parsed. */
export const capturedLogger = (): { log: Logger; lines: () => Record<string, unknown>[]; text: () => string } => {
  let written = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  return {
    log: pino({ level: 'info' }, sink),
    lines: () =>
      written
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => written,
  };
};

/** A signing key of an identity provider: private half to sign with, public JWK to publish. */
export interface ProviderKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export const providerKey = async (kid: string, alg: 'RS256' | 'ES256'): Promise<ProviderKey> => {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
};

/** A tiny identity provider's JWKS endpoint on 127.0.0.1; `publish` changes what it serves. */
export interface JwksServer {
  readonly url: string;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  publish(keys: readonly ProviderKey[]): void;
  stop(): Promise<void>;
}

export const startJwksServer = async (keys: readonly ProviderKey[]): Promise<JwksServer> => {
  let published = keys;
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: published.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/certs`,
    fetches: () => fetches,
    publish: (next) => {
      published = next;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
};

export interface Claims {
  readonly sub?: string;
  readonly [claim: string]: unknown;
}

export interface SignOptions {
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; negative for an expired token. */
  readonly expiresIn?: number;
  /** Seconds from now before which the token is not valid. */
  readonly notBefore?: number;
}

const now = (): number => Math.floor(Date.now() / 1000);

const build = (claims: Claims, options: SignOptions): SignJWT => {
  let jwt = new SignJWT({ ...claims }).setIssuedAt().setExpirationTime(now() + (options.expiresIn ?? 600));
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(now() + options.notBefore);
  if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
  return jwt;
};

export const signWithSecret = (secret: string, claims: Claims, options: SignOptions = {}): Promise<string> =>
  build(claims, options).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));

export const signWithKey = (key: ProviderKey, claims: Claims, options: SignOptions = {}): Promise<string> =>
  build(claims, options).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);

const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An `alg: none` token: header and payload, empty signature. */
export const unsignedToken = (claims: Claims): string =>
  `${segment({ alg: 'none', typ: 'JWT' })}.${segment({ ...claims, exp: now() + 600 })}.`;

/** The token with its payload replaced and its signature kept: what editing a claim gives. */
export const withEditedPayload = (token: string, edit: (payload: Record<string, unknown>) => void): string => {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
  edit(claims);
  return `${header}.${segment(claims)}.${signature}`;
};

/** POSTs a GraphQL operation with an optional Authorization header; the status and the parsed body. */
export const postGraphQL = async (
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  authorization?: string,
): Promise<{
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as never };
};
