import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import { AppHeartbeatDocument } from './generated/graphql';
import { keepSubscribed } from './live-feed';

/*
 * One urql client per session: queries and mutations over HTTP, subscriptions over graphql-ws on
 * the same /graphql path, both carrying the session's token.
 *
 * graphql-ws is told not to retry by itself: when it reconnects, it sends each subscription again
 * with the variables it first had, so a feed would start over from its first `since`. Instead a
 * dropped connection ends every subscription with an error, and each live feed (live-feed.ts)
 * subscribes again with the last position it saw, which opens the connection anew. A heartbeat
 * subscription keeps the socket open while no other feed runs, so the page can always say
 * whether it is online.
 */

/** How often the heartbeat ticks; the socket's own pings find a dead peer sooner. */
const heartbeatMs = 30_000;

/** `refused`: the server closed the socket over the token (4401 invalid, 4403 expired); sign in again. */
export type LinkState = 'connecting' | 'online' | 'offline' | 'refused';

/** graphql-ws close codes esgraph uses for a token it will not take (README, "Identity"). */
const tokenRefusedCodes = new Set([4401, 4403]);

const closeCodeOf = (event: unknown): number | undefined =>
  typeof event === 'object' && event !== null && 'code' in event && typeof event.code === 'number'
    ? event.code
    : undefined;

export interface Api {
  readonly client: Client;
  /** Calls back with the WebSocket's state now and at each change; returns the way to stop listening. */
  onConnection(listener: (state: LinkState) => void): () => void;
  dispose(): void;
}

const graphqlPath = '/graphql';

export const connectApi = (token: string): Api => {
  const listeners = new Set<(state: LinkState) => void>();
  let state: LinkState = 'connecting';
  const tell = (next: LinkState) => {
    state = next;
    for (const listener of listeners) listener(state);
  };
  const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${graphqlPath}`;
  const ws = createWsClient({
    url: wsUrl,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
  let heartbeat: { stop(): void } | undefined;
  const unlisten = [
    // Once offline, it stays so through each attempt until one connects.
    ws.on('connecting', () => state !== 'offline' && tell('connecting')),
    ws.on('connected', () => tell('online')),
    ws.on('closed', (event) => {
      if (!tokenRefusedCodes.has(closeCodeOf(event) ?? 0)) return tell('offline');
      // Trying again with the same token would only be refused again.
      heartbeat?.stop();
      tell('refused');
    }),
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
  heartbeat = keepSubscribed(
    client,
    AppHeartbeatDocument,
    () => ({ intervalMs: heartbeatMs }),
    () => undefined,
  );
  return {
    client,
    onConnection(listener) {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    dispose() {
      heartbeat?.stop();
      for (const stop of unlisten) stop();
      listeners.clear();
      void ws.dispose();
    },
  };
};
