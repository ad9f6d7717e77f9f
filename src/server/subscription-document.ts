import {
  type ExecutionArgs,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { DocumentProtection } from './document-limits.js';

/** An error with the code Apollo would give the same refusal over HTTP, unless it has its own. */
const coded = (error: GraphQLError, code: string, maskSuggestions: (message: string) => string): GraphQLError =>
  new GraphQLError(maskSuggestions(error.message), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: error.extensions.code ?? code },
  });

/**
 * What graphql-ws's onSubscribe answers for one operation: the execution arguments when its
 * document parses within the token limit, passes graphql-js's rules and the document limits and
 * names one operation, or that operation's errors, each with a code (GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED, DOCUMENT_LIMIT_EXCEEDED, OPERATION_RESOLUTION_FAILURE), which end
 * only this operation.
 */
export const checkSubscriptionDocument = (
  schema: GraphQLSchema,
  payload: SubscribePayload,
  protection: DocumentProtection,
): ExecutionArgs | readonly GraphQLError[] => {
  const { maskSuggestions } = protection;
  let document: ExecutionArgs['document'];
  try {
    document = parse(payload.query, protection.parseOptions);
  } catch (error) {
    const parseError = error instanceof GraphQLError ? error : new GraphQLError(String(error));
    return [coded(parseError, 'GRAPHQL_PARSE_FAILED', maskSuggestions)];
  }
  const errors = validate(schema, document, [...specifiedRules, ...protection.validationRules]);
  if (errors.length > 0) return errors.map((error) => coded(error, 'GRAPHQL_VALIDATION_FAILED', maskSuggestions));
  if (getOperationAST(document, payload.operationName) === null) {
    const message = payload.operationName
      ? `Unknown operation named "${payload.operationName}".`
      : 'Must provide operation name if query contains multiple operations.';
    return [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
  }
  return {
    schema,
    document,
    operationName: payload.operationName,
    variableValues: payload.variables,
  };
};
