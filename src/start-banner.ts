import { alignColumns } from './aligned-columns.js';
import type { DevelopmentToken } from './identity/index.js';

/*
 * What `npm start` prints once it serves, for a person at a terminal: where everything is, in a
 * few aligned lines. main.ts prints it when logs are pretty (a terminal); as JSON lines, the same
 * facts are in the log records instead. Pure: it formats what it is given.
 */

/** Something esgraph serves, listed in the order given. */
export interface ServedEndpoint {
  /** A short label: `GraphQL`, `GraphiQL`, `App`. */
  readonly label: string;
  readonly url: string;
  /** A few words after the URL, e.g. how it is used. */
  readonly note?: string;
}

/** A dependency in use: the event store or Redis, embedded or configured. */
export interface DependencyInUse {
  readonly label: string;
  /** Where and what, with any password already masked. */
  readonly description: string;
}

/** Where the tokens come from: minted here for development, or a key source of the operator's. */
export type TokenSource =
  | {
      readonly kind: 'dev';
      readonly tokens: readonly DevelopmentToken[];
      readonly ttlHours: number;
      readonly secretPath: string;
    }
  | { readonly kind: 'secret' }
  | { readonly kind: 'jwks'; readonly url: string };

export interface StartBanner {
  readonly version: string;
  readonly roles: readonly string[];
  /** GraphQL first; whatever else is served (GraphiQL, the app) adds its own entry. */
  readonly endpoints: readonly ServedEndpoint[];
  readonly dependencies: readonly DependencyInUse[];
  readonly tokens: TokenSource;
}

const aligned = (rows: readonly (readonly [string, string])[]): string[] => alignColumns(rows, { indent: '  ' });

const tokenLines = (tokens: TokenSource): string[] => {
  switch (tokens.kind) {
    case 'dev':
      return [
        `Development tokens (valid ${tokens.ttlHours} h, signed with ${tokens.secretPath}):`,
        ...aligned(tokens.tokens.map(({ roles, token }) => [roles.join(', '), token])),
        `  Send one as "Authorization: Bearer <token>"; subs are dev-<role>. Another: npm run token -- --sub ann --roles customer`,
      ];
    case 'secret':
      return ['Tokens: HS256 with JWT_SECRET; mint one with npm run token -- --sub ann --roles customer'];
    case 'jwks':
      return [`Tokens: from the identity provider whose keys are at ${tokens.url}`];
    default: {
      const never: never = tokens;
      return never;
    }
  }
};

/** The banner as lines of text, ending with a newline. */
export const formatStartBanner = (banner: StartBanner): string => {
  const rows: [string, string][] = [
    ...banner.endpoints.map(({ label, url, note }): [string, string] => [label, note ? `${url}  (${note})` : url]),
    ...banner.dependencies.map(({ label, description }): [string, string] => [label, description]),
  ];
  return [
    '',
    `esgraph ${banner.version} is ready (roles: ${banner.roles.join(', ')})`,
    ...aligned(rows),
    '',
    ...tokenLines(banner.tokens),
    '',
    'Ctrl-C stops it (in-flight requests finish first).',
    '',
  ].join('\n');
};
