import { type ASTNode, GraphQLError, Kind } from 'graphql';

/**
 * Where graphql-js reports a literal that does not fit its type (ValuesOfCorrectTypeRule): on the
 * value itself, or on an input object's field it does not define. No other validation rule
 * reports there: they point at fields, arguments, variables, fragments or operations.
 */
const valueKinds: ReadonlySet<string> = new Set([
  Kind.INT,
  Kind.FLOAT,
  Kind.STRING,
  Kind.BOOLEAN,
  Kind.NULL,
  Kind.ENUM,
  Kind.LIST,
  Kind.OBJECT,
  Kind.OBJECT_FIELD,
]);

const onValuesOnly = (nodes: readonly ASTNode[] | undefined): boolean =>
  nodes !== undefined && nodes.length > 0 && nodes.every((node) => valueKinds.has(node.kind));

/**
 * A variable graphql-js could not coerce to its declared type, as Apollo recognises one over
 * HTTP (it codes them BAD_USER_INPUT); over the WebSocket nothing else codes them.
 */
const isVariableCoercionError = (error: GraphQLError): boolean => {
  const [node, ...others] = error.nodes ?? [];
  if (node?.kind !== Kind.VARIABLE_DEFINITION || others.length > 0) return false;
  const variable = `Variable "$${node.variable.name.value}" `;
  return ['got invalid value ', 'has invalid value', 'of required type ', 'of non-null type '].some((rest) =>
    error.message.startsWith(variable + rest),
  );
};

/**
 * Whether a document was refused only because of a value it carries (an id written as a float, a
 * date that is not one, an input object missing a field), not its shape. The same value sent as a
 * variable is BAD_USER_INPUT, so a literal's refusal is too, whether it passes inline or in
 * variables: a client's mistake in its data gets one code.
 */
export const isMalformedValue = (error: unknown): boolean => {
  if (!(error instanceof GraphQLError) || error.path !== undefined) return false;
  const code = error.extensions.code;
  if (code === 'GRAPHQL_VALIDATION_FAILED') return onValuesOnly(error.nodes);
  return code === undefined && isVariableCoercionError(error);
};
