import { SignJWT } from 'jose';
import { type Role, userRoles } from './identity.js';

export interface TokenRequest {
  readonly sub: string;
  readonly roles: readonly Role[];
  readonly ttlSeconds: number;
  readonly issuer?: string;
  readonly audience?: string;
}

/** An HS256 token for the given secret: what the dev server prints and `npm run token` makes. */
export const mintToken = (secret: string, request: TokenRequest): Promise<string> => {
  let jwt = new SignJWT({ roles: [...request.roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + request.ttlSeconds);
  if (request.issuer !== undefined) jwt = jwt.setIssuer(request.issuer);
  if (request.audience !== undefined) jwt = jwt.setAudience(request.audience);
  return jwt.sign(new TextEncoder().encode(secret));
};

/** A token a development server hands out (log, start banner, its pages' sign-in), with whom it names. */
export interface DevelopmentToken {
  readonly sub: string;
  readonly roles: readonly Role[];
  readonly token: string;
}

/** One token per role, for the users `dev-<role>`: what a development server offers on the dev secret. */
export const mintDevelopmentTokens = (
  secret: string,
  request: Omit<TokenRequest, 'sub' | 'roles'>,
): Promise<DevelopmentToken[]> =>
  Promise.all(
    userRoles.map(async (role) => {
      const sub = `dev-${role}`;
      return { sub, roles: [role], token: await mintToken(secret, { ...request, sub, roles: [role] }) };
    }),
  );

const ttlUnits: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `30m`, `12h`, `7d` (or plain seconds) in seconds; undefined when it is none of those. */
export const parseTtl = (text: string): number | undefined => {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * (ttlUnits[match[2] || 's'] ?? 1);
  return seconds > 0 ? seconds : undefined;
};
