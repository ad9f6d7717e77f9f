import type { Config } from '../config.js';
import type { DevelopmentToken } from '../identity/index.js';
import { appBundle } from './app-page.js';
import type { WebBundle } from './static-pages.js';

/*
 * Which of the web bundles (web/<name>/, built into dist-web/<name>/) this server serves, and what
 * each page is told when it loads. Development tokens reach a page only when main.ts minted them,
 * that is on the data directory's dev secret, which production never has.
 */

/** The pages and the one a browser opening /graphql gets; `paths` are what a start banner lists. */
export interface WebPages {
  readonly pages: readonly WebBundle[];
  readonly graphqlPage?: WebBundle;
}

/** The token GraphiQL's header editor starts with: a teller may run every command and most reads. */
const graphiqlRole = 'teller';

export const graphiqlBundle = (developmentTokens: readonly DevelopmentToken[]): WebBundle => {
  const token = developmentTokens.find(({ roles }) => roles.includes(graphiqlRole));
  return {
    name: 'graphiql',
    label: 'GraphiQL',
    pageData: () => (token ? { headers: { Authorization: `Bearer ${token.token}` } } : {}),
  };
};

/** How the start banner names the page of the bundle called `name`: its label, else the name itself. */
export const pageLabel = ({ pages }: WebPages, name: string): string =>
  pages.find((bundle) => bundle.name === name)?.label ?? name;

export const webPages = (config: Config, developmentTokens: readonly DevelopmentToken[]): WebPages => {
  const graphiql = config.graphiql ? graphiqlBundle(developmentTokens) : undefined;
  return {
    pages: [...(graphiql ? [graphiql] : []), appBundle(developmentTokens)],
    ...(graphiql ? { graphqlPage: graphiql } : {}),
  };
};
