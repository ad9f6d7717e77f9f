import type { DevelopmentToken } from '../identity/index.js';
import type { WebBundle } from './static-pages.js';

/*
 * The live web app (web/app), served at /app/. Its sign-in offers the development users only
 * when main.ts minted their tokens on the data directory's own secret (no JWT_SECRET nor
 * JWT_JWKS_URL), which readConfig refuses with NODE_ENV=production; otherwise the page carries
 * none and a user pastes a token. Who can load the page can then act as any of those users, as
 * whoever reads the start-up log can: the server listens on loopback and answers only the Host
 * names ALLOWED_HOSTS lists, so another site cannot read the page through a rebound DNS name.
 */

/** What the app reads from the page data: one entry per development user, none in production. */
export interface AppPageData {
  readonly developmentUsers: readonly DevelopmentToken[];
}

export const appBundle = (developmentTokens: readonly DevelopmentToken[]): WebBundle => {
  const data: AppPageData = {
    developmentUsers: developmentTokens.map(({ sub, roles, token }) => ({ sub, roles, token })),
  };
  return { name: 'app', label: 'App', pageData: () => data };
};
