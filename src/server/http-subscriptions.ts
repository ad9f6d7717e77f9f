import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * Refuses a subscription sent over HTTP before it runs. Apollo would execute it like a query: its
 * field's resolver has no event to answer with, and the client got a masked INTERNAL_SERVER_ERROR
 * (an error-level log line) for what is its own mistake. Subscriptions are served over the
 * WebSocket at the same path (graphql-transport-ws).
 */
export const subscriptionsOverWebSocketOnly = <Context extends object>(): ApolloServerPlugin<Context> => ({
  requestDidStart: async () => ({
    didResolveOperation: async ({ operation }) => {
      if (operation?.operation !== 'subscription') return;
      throw new GraphQLError(
        'subscriptions are served over the WebSocket at this path (graphql-transport-ws), not over HTTP',
        { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
      );
    },
  }),
});
