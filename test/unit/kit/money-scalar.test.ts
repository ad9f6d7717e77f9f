import {
  GraphQLError,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  graphql,
  parseValue as parseValueNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { MoneyScalar } from '../../../src/graphql/kit/money-scalar.js';

const caught = (run: () => unknown): GraphQLError => {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error('expected a GraphQLError');
};

const fromVariable = (value: unknown) => MoneyScalar.parseValue(value);
const fromLiteral = (source: string) => MoneyScalar.parseLiteral(parseValueNode(source));

describe('the Money scalar reading input', () => {
  it.each([
    ['"12"', 1200],
    ['"12.5"', 1250],
    ['"12.50"', 1250],
    ['"""0.01"""', 1],
  ])('reads the string literal %s as %i minor units', (source, minorUnits) =>
    expect(fromLiteral(source)).toBe(minorUnits),
  );

  it('reads a string variable as minor units', () => expect(fromVariable('1000000000.00')).toBe(100_000_000_000));

  it.each([
    ['12', 'an Int literal'],
    ['12.5', 'a Float literal'],
    ['1e3', 'a Float literal'],
  ])('rejects the number literal %s as %s', (source, kind) => {
    const error = caught(() => fromLiteral(source));
    expect(error.message).toBe(
      `Money must be a string such as "12.50", not ${kind}: numbers are refused so that amounts stay exact`,
    );
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('rejects a boolean literal', () =>
    expect(caught(() => fromLiteral('true')).message).toBe(
      'Money must be a string such as "12.50", not a BooleanValue literal',
    ));

  it.each([
    [12.5, 'a number: numbers are refused so that amounts stay exact'],
    [true, 'a boolean'],
    [{ amount: '1.00' }, 'an object'],
    [['1.00'], 'a list'],
  ])('rejects the variable value %j', (value, what) => {
    const error = caught(() => fromVariable(value));
    expect(error.message).toBe(`Money must be a string such as "12.50", not ${what}`);
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['"1e3"', 'amount uses exponent notation ("1e3"); write plain digits ("1000")'],
    ['" 12.50"', 'amount has leading or trailing whitespace'],
    ['"-5"', 'amount has a sign ("-"); write a positive decimal without one, such as "12.50"'],
    ['"12,50"', 'amount contains ","; only digits 0-9 and one decimal point "." are allowed'],
    ['""', 'amount is empty; write a decimal such as "12.50"'],
    ['"0.00"', 'amount must be positive; got 0.00'],
    ['"12.505"', 'amount has 3 fraction digits; at most 2 are allowed'],
    ['"1000000000.01"', 'amount is above the maximum of 1000000000.00 per command'],
  ])('rejects the string %s, saying what is wrong', (source, message) => {
    for (const error of [caught(() => fromLiteral(source)), caught(() => fromVariable(JSON.parse(source)))]) {
      expect(error.message).toBe(message);
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('the Money scalar writing output', () => {
  it.each([
    [1250, '12.50'],
    [5, '0.05'],
    [0, '0.00'],
    [100_000_000_000, '1000000000.00'],
  ])('writes %i minor units as %s', (minorUnits, text) => expect(MoneyScalar.serialize(minorUnits)).toBe(text));

  it.each([
    [2n ** 53n + 1n, '90071992547409.93'],
    [2n ** 63n - 1n, '92233720368547758.07'],
    [-(2n ** 63n), '-92233720368547758.08'],
    [-5n, '-0.05'],
    [0n, '0.00'],
  ])('writes the bigint sum %s minor units exactly as %s', (minorUnits, text) =>
    expect(MoneyScalar.serialize(minorUnits)).toBe(text),
  );

  const expected = 'expected an integer number of minor units (a safe integer or a bigint)';
  it.each([
    [12.5, `Money cannot represent 12.5: ${expected}`],
    ['1250', `Money cannot represent a string: ${expected}`],
    [2 ** 53, `Money cannot represent ${2 ** 53}: ${expected}`],
  ])('refuses to write %j', (value, message) =>
    expect(caught(() => MoneyScalar.serialize(value)).message).toBe(message),
  );

  it('documents that resolvers see integer minor units', () =>
    expect(MoneyScalar.description).toContain('integer number of minor units: "12.50" is 1250'));
});

describe('the Money scalar in an executed operation', () => {
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        doubled: {
          type: MoneyScalar,
          args: { amount: { type: new GraphQLNonNull(MoneyScalar) } },
          resolve: (_, { amount }: { amount: number }) => amount * 2,
        },
      },
    }),
  });

  it('hands the resolver minor units and returns two fraction digits', async () => {
    const result = await graphql({ schema, source: '{ doubled(amount: "0.05") }' });
    expect(result).toEqual({ data: { doubled: '0.10' } });
  });

  it('answers a bad variable with BAD_USER_INPUT and the reason', async () => {
    const result = await graphql({
      schema,
      source: 'query ($amount: Money!) { doubled(amount: $amount) }',
      variableValues: { amount: '1e3' },
    });
    expect(result.errors?.map((error) => error.toJSON())).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('amount uses exponent notation ("1e3")'),
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ]);
  });

  it('answers a Float literal with BAD_USER_INPUT, the reason and where it is', async () => {
    const result = await graphql({ schema, source: '{ doubled(amount: 12.5) }' });
    expect(result.errors?.map((error) => error.toJSON())).toEqual([
      {
        message:
          'Money must be a string such as "12.50", not a Float literal: numbers are refused so that amounts stay exact',
        locations: [{ line: 1, column: 19 }],
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
  });

  it('answers a malformed string literal with BAD_USER_INPUT, the reason and where it is', async () => {
    const result = await graphql({ schema, source: '{ doubled(amount: "12.505") }' });
    expect(result.errors?.map((error) => error.toJSON())).toEqual([
      {
        message: 'amount has 3 fraction digits; at most 2 are allowed',
        locations: [{ line: 1, column: 19 }],
        extensions: { code: 'BAD_USER_INPUT' },
      },
    ]);
  });
});
