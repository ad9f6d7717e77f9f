import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { benchAuthorization } from '../bench-identity.js';

/*
 * The harness's GraphQL client: plain strings over HTTP and graphql-ws, so it depends on nothing
 * but the wire protocol (a row must be able to tell "refused" from "failed" from "answered").
 */

export interface GraphQLErrorBody {
  readonly message: string;
  readonly extensions?: { readonly code?: string };
}

/** What one request came to: an answer, a refusal with a code, or no answer we can trust. */
export type Outcome<Data> =
  | { readonly kind: 'ok'; readonly data: Data }
  | { readonly kind: 'error'; readonly code: string; readonly message: string }
  | { readonly kind: 'failed'; readonly reason: string };

export const post = async <Data>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  timeoutMs = 8_000,
): Promise<Outcome<Data>> => {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: benchAuthorization },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { kind: 'failed', reason: cause ?? (error as Error).name };
  }
  let body: { data?: Data | null; errors?: readonly GraphQLErrorBody[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    return { kind: 'failed', reason: `HTTP ${response.status} without a GraphQL body` };
  }
  const [first] = body.errors ?? [];
  if (first !== undefined) {
    return { kind: 'error', code: first.extensions?.code ?? 'NO_CODE', message: first.message };
  }
  if (body.data === undefined || body.data === null)
    return { kind: 'failed', reason: `HTTP ${response.status}, no data` };
  return { kind: 'ok', data: body.data };
};

/** Like `post`, but throws unless it answered; for the oracle's reads. */
export const query = async <Data>(
  url: string,
  text: string,
  variables: Record<string, unknown> = {},
): Promise<Data> => {
  const outcome = await post<Data>(url, text, variables);
  if (outcome.kind === 'ok') return outcome.data;
  throw new Error(outcome.kind === 'error' ? `${outcome.code}: ${outcome.message}` : outcome.reason);
};

export const wsClient = (url: string): Client =>
  createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: { authorization: benchAuthorization },
  });
