/*
 * Who is signed in: a bearer token, kept for this browser tab only (sessionStorage), and what its
 * payload says about the user. The payload is read for display only; the server verifies the token.
 */

export interface Session {
  readonly token: string;
  readonly userId: string;
  readonly roles: readonly string[];
}

/** A development user the server offers, only when it signs its own tokens (never in production). */
export interface DevUser {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly token: string;
}

const storageKey = 'esgraph.token';

const payloadOf = (token: string): Record<string, unknown> | undefined => {
  const part = token.split('.')[1];
  if (part === undefined) return undefined;
  try {
    // base64url of UTF-8: atob gives the bytes as a binary string.
    const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The session a token stands for, or undefined when it is not a JWT with a `sub`. */
export const sessionOf = (token: string): Session | undefined => {
  const bare = token.trim().replace(/^Bearer\s+/i, '');
  const payload = payloadOf(bare);
  if (payload === undefined || typeof payload.sub !== 'string') return undefined;
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((role) => typeof role === 'string') : [];
  return { token: bare, userId: payload.sub, roles };
};

export const storedSession = (): Session | undefined => {
  const token = sessionStorage.getItem(storageKey);
  return token === null ? undefined : sessionOf(token);
};

export const keepSession = (session: Session | undefined): void => {
  if (session === undefined) sessionStorage.removeItem(storageKey);
  else sessionStorage.setItem(storageKey, session.token);
};

/** The id of the JSON data block the server puts into the page it serves (src/server/static-pages.ts). */
const pageDataId = 'esgraph-page-data';

/** The development users the server put into the page, or none (production, configured keys). */
export const developmentUsers = (): readonly DevUser[] => {
  const text = document.getElementById(pageDataId)?.textContent;
  if (!text) return [];
  try {
    const data = JSON.parse(text) as { developmentUsers?: DevUser[] };
    return data.developmentUsers ?? [];
  } catch {
    return [];
  }
};

/** Managers and auditors read the bank's totals and the projections. */
export const isOperator = (session: Session): boolean =>
  session.roles.includes('manager') || session.roles.includes('auditor');
/** Customers and tellers send commands; managers and auditors only read. */
export const canCommand = (session: Session): boolean =>
  session.roles.includes('customer') || session.roles.includes('teller');
