import type { ApolloServerPlugin } from '@apollo/server';

/** How long a client should wait before trying again: Redis restarts or reconnects in about that. */
const retryAfterSeconds = '1';

/**
 * Answers HTTP 503 with `Retry-After` when a request failed because a dependency is away
 * (`SERVICE_UNAVAILABLE`), so HTTP clients and proxies retry as they would any 503. The errors
 * are already formatted here, so the code is the one the client sees.
 */
export const unavailableStatusPlugin = <Context extends object>(): ApolloServerPlugin<Context> => ({
  requestDidStart: async () => ({
    willSendResponse: async ({ response }) => {
      if (response.body.kind !== 'single') return;
      const errors = response.body.singleResult.errors ?? [];
      if (!errors.some((error) => error.extensions?.code === 'SERVICE_UNAVAILABLE')) return;
      response.http.status = 503;
      response.http.headers.set('retry-after', retryAfterSeconds);
    },
  }),
});
