import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';

/*
 * One urql client per session: queries and mutations over HTTP, subscriptions over graphql-ws on
 * the same /graphql path, both carrying the session's token.
 *
 * graphql-ws is told not to retry by itself: when it reconnects, it sends each subscription again
 * with the variables it first had, so a feed would start over from its first `since`. Instead a
 * dropped connection ends every subscription with an error, and each live feed (live-feed.ts)
 * subscribes again with the last position it saw, which opens the connection anew.
 */

export type LinkState = 'connecting' | 'online' | 'offline';

export interface Api {
  readonly client: Client;
  /** Calls back with each change of the WebSocket's state; returns the way to stop listening. */
  onConnection(listener: (state: LinkState) => void): () => void;
  dispose(): void;
}

const graphqlPath = '/graphql';

export const connectApi = (token: string): Api => {
  const listeners = new Set<(state: LinkState) => void>();
  const tell = (state: LinkState) => {
    for (const listener of listeners) listener(state);
  };
  const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${graphqlPath}`;
  const ws = createWsClient({
    url: wsUrl,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
  const unlisten = [
    ws.on('connecting', () => tell('connecting')),
    ws.on('connected', () => tell('online')),
    ws.on('closed', () => tell('offline')),
  ];
  const client = new Client({
    url: graphqlPath,
    // Apollo Server's CSRF prevention accepts a JSON POST; a GET would need a preflight header.
    preferGetMethod: false,
    requestPolicy: 'network-only',
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
  return {
    client,
    onConnection(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      for (const stop of unlisten) stop();
      listeners.clear();
      void ws.dispose();
    },
  };
};
