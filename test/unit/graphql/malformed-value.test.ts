import {
  buildSchema,
  GraphQLError,
  getVariableValues,
  Kind,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { isMalformedValue } from '../../../src/graphql/malformed-value.js';

const schema = buildSchema(`
  input Move { id: ID!, at: Int }
  type Query { account(id: ID!): Int, move(input: Move): Int }
`);

/** A validation error as Apollo hands it to the formatter: its code set, its nodes kept. */
const asApolloGives = (error: GraphQLError): GraphQLError =>
  new GraphQLError(error.message, {
    nodes: error.nodes,
    originalError: error.originalError ?? error,
    extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
  });

const validationErrors = (document: string) => validate(schema, parse(document)).map(asApolloGives);

const coercionErrors = (document: string, variables: Record<string, unknown>) => {
  const operation = parse(document).definitions[0] as OperationDefinitionNode;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  return 'errors' in coerced ? (coerced.errors ?? []) : [];
};

describe('a malformed value', () => {
  it.each([
    ['an id written as a float', '{ account(id: 1.5) }'],
    ['null for a non-null id', '{ account(id: null) }'],
    ['an input object missing a required field', '{ move(input: { at: 1 }) }'],
    ['an input object with a field it does not define', '{ move(input: { id: "a", nope: 1 }) }'],
    ['an Int past 32 bits', '{ move(input: { id: "a", at: 2147483648 }) }'],
  ])('is %s in the document', (_name, document) => {
    const errors = validationErrors(document);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every(isMalformedValue)).toBe(true);
  });

  it.each([
    ['an id as an object', { id: {} }],
    ['no value for a required variable', {}],
  ])('is %s in the variables, as Apollo reads one', (_name, variables) => {
    const errors = coercionErrors('query($id: ID!) { account(id: $id) }', variables);
    expect(errors.length).toBe(1);
    expect(errors.every(isMalformedValue)).toBe(true);
  });
});

describe('a document that is wrong in its shape', () => {
  it.each([
    ['an unknown field', '{ nope }'],
    ['a missing required argument', '{ account }'],
    ['an unknown argument', '{ account(id: "a", other: 1) }'],
    ['a variable of the wrong type for its place', 'query($id: Int) { account(id: $id) }'],
    ['an unused variable', 'query($id: ID) { account(id: "a") }'],
  ])('is not a malformed value: %s', (_name, document) => {
    const errors = validationErrors(document);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some(isMalformedValue)).toBe(false);
  });

  it('is not a resolver error, which has a path', () => {
    const error = new GraphQLError('id must be …', {
      nodes: { kind: Kind.STRING, value: 'a b' },
      path: ['account'],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(isMalformedValue(error)).toBe(false);
  });
});
