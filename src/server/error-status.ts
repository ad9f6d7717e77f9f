import type { GraphQLResponse } from '@apollo/server';
import { type GraphQLFormattedError, Kind, type OperationDefinitionNode } from 'graphql';

/** How long a client should wait before trying again: Redis restarts or reconnects in about that. */
const retryAfterSeconds = '1';

/**
 * Whether every root field of the operation failed, so none of it took effect. A root field that
 * errored is named by its error's path; one that did not ran, even where non-null propagation
 * left `data` null (a mutation's result is non-null, so a refused one nulls the whole answer).
 * Fragments at the root are not unfolded: such an answer counts as one where something ran.
 */
const everyRootFieldFailed = (
  operation: OperationDefinitionNode | undefined,
  errors: readonly GraphQLFormattedError[],
): boolean => {
  if (operation === undefined) return true;
  const failed = new Set(errors.map((error) => error.path?.[0]));
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && failed.has((selection.alias ?? selection.name).value),
  );
};

interface StatusRule {
  readonly code: string;
  readonly status: number;
  readonly retryAfter?: string;
  /** Only when every root field failed, so a 400 always means nothing of the document ran. */
  readonly onlyWhenNothingRan?: boolean;
}

/**
 * The HTTP status of an answer whose errors carry these codes, first match wins. Bad input comes
 * first: sending it again cannot succeed, whatever else failed. Other codes keep the status Apollo
 * or an earlier refusal gave (200 for an execution result).
 */
const statusByCode: readonly StatusRule[] = [
  // A malformed id, position token, cursor or page size is found by its resolver, after graphql-js
  // coerced the arguments; a malformed Money or variable before execution (400 from Apollo). Both
  // are the same mistake, so both answer 400, unless another root field ran (a mutation before the
  // refused one): its effect stands, and a 4xx would tell the client that nothing ran.
  { code: 'BAD_USER_INPUT', status: 400, onlyWhenNothingRan: true },
  { code: 'SERVICE_UNAVAILABLE', status: 503, retryAfter: retryAfterSeconds },
];

/**
 * Sets the HTTP status of a GraphQL answer from its errors' codes (the errors are formatted by
 * now, so the code is the one the client sees): 400 for bad input, 503 with `Retry-After` when a
 * dependency is away, so HTTP clients and proxies act on the status as they would on any other.
 * `answerPlugin` calls it for every HTTP answer.
 */
export const statusFromCodes = (response: GraphQLResponse, operation: OperationDefinitionNode | undefined): void => {
  if (response.body.kind !== 'single') return;
  const { errors = [] } = response.body.singleResult;
  if (errors.length === 0) return;
  const codes = new Set(errors.map((error) => error.extensions?.code));
  const rule = statusByCode.find(
    ({ code, onlyWhenNothingRan }) =>
      codes.has(code) && (!onlyWhenNothingRan || everyRootFieldFailed(operation, errors)),
  );
  if (rule === undefined) return;
  response.http.status = rule.status;
  if (rule.retryAfter !== undefined) response.http.headers.set('retry-after', rule.retryAfter);
};
