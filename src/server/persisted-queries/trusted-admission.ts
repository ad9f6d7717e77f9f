import type { ApolloServerPlugin } from '@apollo/server';
import { type KeyValueCache, PrefixingKeyValueCache } from '@apollo/utils.keyvaluecache';
import { GraphQLError } from 'graphql';
import { documentHash, type TrustedDocuments } from './manifest.js';

/*
 * Trusted documents mode: only listed documents run, on HTTP and WebSocket alike. The codes are
 * Apollo Router's for the same refusals, so clients written against it read them as they do there.
 */

/** A hash that is not listed: asked for alone, or sent with a document to register it. */
const persistedQueryNotInListCode = 'PERSISTED_QUERY_NOT_IN_LIST';
/** A document sent as text whose hash is not listed. */
const queryNotInSafelistCode = 'QUERY_NOT_IN_SAFELIST';

/** What a request names its document by, as Apollo reads it from a body or a query string. */
export interface DocumentRequest {
  readonly query?: unknown;
  readonly extensions?: unknown;
}

const refusal = (code: string, message: string): GraphQLError =>
  // 400, like any other document the server will not run; `http` is Apollo's transport hint.
  new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

const persistedQueryOf = (extensions: unknown): { readonly sha256Hash?: unknown } | undefined => {
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  // Apollo treats a falsy persistedQuery as none; so must we, or we would check another hash than it runs.
  return persisted ? (persisted as { sha256Hash?: unknown }) : undefined;
};

/**
 * The listed text a request runs, or why it may not run. A request by hash alone runs the listed
 * document of that hash; a document sent as text runs when its sha256 is listed; with both, the
 * text must be the listed one. A request naming no document at all (no query, no hash) is
 * undefined: Apollo and graphql-ws refuse those as malformed, in trusted mode as in any other.
 */
export const trustedDocumentText = (
  documents: TrustedDocuments,
  request: DocumentRequest,
): string | GraphQLError | undefined => {
  const query = typeof request.query === 'string' && request.query !== '' ? request.query : undefined;
  const persisted = persistedQueryOf(request.extensions);
  if (persisted) {
    const { sha256Hash } = persisted;
    const listed = typeof sha256Hash === 'string' ? documents.get(sha256Hash) : undefined;
    if (listed === undefined) {
      return refusal(
        persistedQueryNotInListCode,
        'this server runs only listed documents, and this hash is not listed',
      );
    }
    if (query !== undefined && query !== listed) {
      return refusal(queryNotInSafelistCode, 'the document sent is not the one listed under its hash');
    }
    return listed;
  }
  if (query === undefined) return undefined;
  return (
    documents.get(documentHash(query)) ??
    refusal(queryNotInSafelistCode, 'this server runs only listed documents, and this one is not listed')
  );
};

/**
 * Apollo's persisted query cache in trusted mode: the listed documents, read-only, so a request
 * by hash finds exactly those and a registration (of a listed document; others are refused
 * before Apollo sees them) changes nothing.
 */
export const trustedDocumentCache = (documents: TrustedDocuments): KeyValueCache<string> =>
  PrefixingKeyValueCache.cacheDangerouslyDoesNotNeedPrefixesForIsolation({
    get: async (hash) => documents.get(hash),
    set: async () => undefined,
    delete: async () => false,
  });

/**
 * The last word on what Apollo runs: the hash of the text it resolved (given and checked against
 * the text, or computed from it) must be listed. The HTTP handler refuses unlisted requests
 * before any parsing by reading the body as Apollo does; this makes sure of it on what Apollo
 * actually resolved, whatever shape of request got that far.
 */
export const trustedDocumentsPlugin = <Context extends object>(
  documents: TrustedDocuments,
): ApolloServerPlugin<Context> => ({
  requestDidStart: async () => ({
    didResolveOperation: async ({ queryHash }) => {
      if (!documents.has(queryHash)) {
        throw refusal(queryNotInSafelistCode, 'this server runs only listed documents, and this one is not listed');
      }
    },
  }),
});
