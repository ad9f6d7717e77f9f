import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { bearer, staffToken } from './test-tokens.js';

export interface GraphQLResponse<Data> {
  readonly data?: Data | null;
  readonly errors?: ReadonlyArray<{ message: string; extensions?: { code?: string; [key: string]: unknown } }>;
}

/**
 * Sends one typed operation over HTTP POST as the holder of `token` (`null`: without one) and
 * returns the parsed response, whatever its status.
 */
export const executeAs = async <Data, Variables>(
  token: string | null,
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  ...[variables]: Variables extends Record<string, never> ? [] : [Variables]
): Promise<GraphQLResponse<Data>> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: bearer(token) }) },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return (await response.json()) as GraphQLResponse<Data>;
};

/** Sends one typed operation over HTTP POST with the staff token; see {@link executeAs}. */
export const execute = <Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  ...variables: Variables extends Record<string, never> ? [] : [Variables]
): Promise<GraphQLResponse<Data>> => executeAs(staffToken, url, document, ...variables);

/** Like `executeAs`, but fails the test on any GraphQL error and returns the data. */
export const executeOkAs = async <Data, Variables>(
  token: string | null,
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  ...variables: Variables extends Record<string, never> ? [] : [Variables]
): Promise<Data> => {
  const result = await executeAs(token, url, document, ...variables);
  if (result.errors !== undefined || result.data === undefined || result.data === null) {
    throw new Error(`GraphQL operation failed: ${JSON.stringify(result.errors)}`);
  }
  return result.data;
};

/** Like `execute`, but fails the test on any GraphQL error and returns the data. */
export const executeOk = <Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  ...variables: Variables extends Record<string, never> ? [] : [Variables]
): Promise<Data> => executeOkAs(staffToken, url, document, ...variables);

/**
 * A graphql-ws client over a real WebSocket, authenticated with `token` (the staff token unless
 * told; `null` for none); close it in the test's cleanup.
 */
export const wsClient = (url: string, token: string | null = staffToken): Client =>
  createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: token === null ? {} : { authorization: bearer(token) },
  });

/** Starts a typed subscription and returns its async iterator (call `return()` to unsubscribe). */
export const subscribe = <Data, Variables>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): AsyncIterableIterator<GraphQLResponse<Data>> =>
  client.iterate({
    query: print(document),
    variables: variables as Record<string, unknown>,
  }) as AsyncIterableIterator<GraphQLResponse<Data>>;
