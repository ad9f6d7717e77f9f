import type { ApolloServerPlugin } from '@apollo/server';

/** How long a client should wait before trying again: Redis restarts or reconnects in about that. */
const retryAfterSeconds = '1';

/**
 * The HTTP status of an answer whose errors carry these codes, first match wins. Bad input comes
 * first: sending it again cannot succeed, whatever else failed. Other codes keep the status Apollo
 * or an earlier refusal gave (200 for an execution result).
 */
const statusByCode: readonly { readonly code: string; readonly status: number; readonly retryAfter?: string }[] = [
  // A malformed id, position token, cursor or page size is found by its resolver, after graphql-js
  // coerced the arguments; a malformed Money or variable is found before execution (400 from
  // Apollo). Both are the same mistake, so both answer 400.
  { code: 'BAD_USER_INPUT', status: 400 },
  { code: 'SERVICE_UNAVAILABLE', status: 503, retryAfter: retryAfterSeconds },
];

/**
 * Sets the HTTP status of GraphQL answers from their errors' codes (the errors are formatted by
 * now, so the code is the one the client sees): 400 for bad input, 503 with `Retry-After` when a
 * dependency is away, so HTTP clients and proxies act on the status as they would on any other.
 */
export const errorStatusPlugin = <Context extends object>(): ApolloServerPlugin<Context> => ({
  requestDidStart: async () => ({
    willSendResponse: async ({ response }) => {
      if (response.body.kind !== 'single') return;
      const codes = new Set((response.body.singleResult.errors ?? []).map((error) => error.extensions?.code));
      const rule = statusByCode.find(({ code }) => codes.has(code));
      if (rule === undefined) return;
      response.http.status = rule.status;
      if (rule.retryAfter !== undefined) response.http.headers.set('retry-after', rule.retryAfter);
    },
  }),
});
