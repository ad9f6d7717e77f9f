import { GraphQLError } from 'graphql';

/** The code of every document refused for its size or cost, on HTTP (400) and WebSocket alike. */
export const documentLimitCode = 'DOCUMENT_LIMIT_EXCEEDED';

/** Which limit a refused document went past; `extensions.limit` of the error. */
export type DocumentLimit = 'depth' | 'aliases' | 'directives' | 'cost';

/** A refusal a validation rule reports: the client sees which limit and its value. */
export const documentLimitError = (limit: DocumentLimit, max: number, message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: documentLimitCode, limit, max } });
