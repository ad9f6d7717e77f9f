import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLError, ParseOptions, ValidationContext, ValidationRule } from 'graphql';
import type { DocumentLimits } from '../config.js';
import { documentCostRule } from '../graphql/document-cost.js';
import { type DocumentLimit, documentLimitError } from '../graphql/document-limit-error.js';

/** What both transports apply to a document: the same parse bound and the same rules. */
export interface DocumentProtection {
  /** graphql-js stops lexing past the token limit ("Document contains more than … tokens"). */
  readonly parseOptions: ParseOptions;
  /** Run after graphql-js's specified rules: depth, aliases, directives (graphql-armor), cost (ours). */
  readonly validationRules: readonly ValidationRule[];
  /** Hides "Did you mean" when suggestions are off; graphql-ws's validation errors go through it too. */
  readonly maskSuggestions: (message: string) => string;
}

/** graphql-armor's pattern and mask for field suggestions. */
const suggestionPattern = /Did you mean ".+"/g;
const suggestionMask = '[Suggestion hidden]';

/**
 * Hides suggestions in what Apollo answers. graphql-armor has this plugin too, but it is typed
 * against Apollo's CommonJS build, and the same function must serve the WebSocket path.
 */
export const suggestionMaskPlugin = <Context extends object>(
  mask: (message: string) => string,
): ApolloServerPlugin<Context> => ({
  requestDidStart: async () => ({
    didEncounterErrors: async ({ errors }) => {
      for (const error of errors) error.message = mask(error.message);
    },
  }),
});

/**
 * graphql-armor reports a refusal as a "Syntax Error: …" with BAD_USER_INPUT; it is neither,
 * so each refusal is reported again as ours: DOCUMENT_LIMIT_EXCEEDED naming the limit.
 */
const reportAs =
  (limit: DocumentLimit, max: number) =>
  (context: ValidationContext | null, error: GraphQLError): void => {
    context?.reportError(documentLimitError(limit, max, error.message.replace(/^Syntax Error: /, '')));
  };

/**
 * The document limits as parse options and validation rules. graphql-armor supplies depth,
 * aliases and directives. Tokens are graphql-js's own
 * `maxTokens`, counted by the one lexer that parses (armor's Apollo plugin parses every document a
 * second time to count them, and refuses through Apollo's unexpected-error path); cost is ours,
 * since armor's weighs every field alike (see document-cost.ts).
 */
export const documentProtection = (limits: DocumentLimits, fieldSuggestions: boolean): DocumentProtection => {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.depth, onReject: [reportAs('depth', limits.depth)], propagateOnRejection: false },
    maxAliases: { n: limits.aliases, onReject: [reportAs('aliases', limits.aliases)], propagateOnRejection: false },
    maxDirectives: {
      n: limits.directives,
      onReject: [reportAs('directives', limits.directives)],
      propagateOnRejection: false,
    },
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return {
    parseOptions: { maxTokens: limits.tokens },
    validationRules: [...armor.validationRules, documentCostRule(limits.cost)],
    maskSuggestions: fieldSuggestions
      ? (message) => message
      : (message) => message.replace(suggestionPattern, suggestionMask),
  };
};
