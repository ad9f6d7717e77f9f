import { documentHash } from '../../src/server/persisted-queries/manifest.js';
import { bearer, staffToken } from './test-tokens.js';

/** An HTTP answer whatever its status: the status and the parsed GraphQL body. */
export interface GraphQLAnswer {
  readonly status: number;
  readonly body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

/** POSTs a raw GraphQL request body with the staff token. */
export const postGraphQL = async (url: string, body: object): Promise<GraphQLAnswer> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: bearer(staffToken) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as GraphQLAnswer['body'] };
};

/** The APQ extensions naming a document by its hash. */
export const byHash = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

/** The APQ extensions naming `query` by its sha256. */
export const persistedQueryOf = (query: string) => byHash(documentHash(query));

export const errorCodeOf = (answer: GraphQLAnswer): string | undefined => answer.body.errors?.[0]?.extensions?.code;
