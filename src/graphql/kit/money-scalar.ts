import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { formatMinorUnits, type MinorUnits, parseAmount, ValidationError } from '../../core/index.js';

/*
 * The edge between decimal strings (what clients read and write) and integer minor units (what
 * resolvers, commands and events hold). Numbers are refused on input: a JSON or GraphQL number is
 * a binary float by the time anyone sees it, and "12.1" may already be 12.0999….
 */

/**
 * graphql-js copies `extensions` from an error it wraps (a bad variable), and reports a literal's
 * GraphQLError as-is, so the code reaches the response either way; the node gives the literal a location.
 */
const badInput = (message: string, node?: ValueNode, originalError?: Error): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' }, nodes: node, originalError });

const parseMoneyText = (text: string, node?: ValueNode): MinorUnits => {
  try {
    return parseAmount(text);
  } catch (error) {
    if (error instanceof ValidationError) throw badInput(error.message, node, error);
    throw error;
  }
};

const numberRefused = 'numbers are refused so that amounts stay exact';

const mustBeString = (what: string, why?: string, node?: ValueNode): GraphQLError =>
  badInput(`Money must be a string such as "12.50", not ${what}${why ? `: ${why}` : ''}`, node);

const describeNonString = (value: unknown): string => {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
};

/**
 * `Money`: an exact amount. Resolvers receive integer minor units (a number; "12.50" is 1250), so
 * they never handle strings or floats, and return them as a number (a safe integer) or, for sums
 * beyond 2^53 (the bank's totals), as a bigint. Input errors carry `extensions.code` `BAD_USER_INPUT`.
 */
export const MoneyScalar = new GraphQLScalarType<MinorUnits, string>({
  name: 'Money',
  description:
    'An exact amount of money as a decimal string, always written with two fraction digits on output ("12.50"). ' +
    'Input is a plain positive decimal string ("12", "12.5", "12.50") with at most 2 fraction digits and at most ' +
    '"1000000000.00"; numbers, exponents ("1e3"), signs and spaces are rejected. ' +
    'Internally (in resolvers, commands and events) the value is an integer number of minor units: "12.50" is 1250.',
  serialize(value: unknown): string {
    if (typeof value === 'bigint') return formatMinorUnits(value);
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      // A resolver bug, not bad input: a number past 2^53 may already have been rounded.
      const got = typeof value === 'number' ? String(value) : `a ${typeof value}`;
      throw new GraphQLError(
        `Money cannot represent ${got}: expected an integer number of minor units (a safe integer or a bigint)`,
      );
    }
    return formatMinorUnits(value);
  },
  parseValue(value: unknown): MinorUnits {
    if (typeof value === 'string') return parseMoneyText(value);
    if (typeof value === 'number') throw mustBeString('a number', numberRefused);
    throw mustBeString(describeNonString(value));
  },
  parseLiteral(ast: ValueNode): MinorUnits {
    if (ast.kind === Kind.STRING) return parseMoneyText(ast.value, ast);
    if (ast.kind === Kind.INT) throw mustBeString('an Int literal', numberRefused, ast);
    if (ast.kind === Kind.FLOAT) throw mustBeString('a Float literal', numberRefused, ast);
    throw mustBeString(`a ${ast.kind} literal`, undefined, ast);
  },
});
