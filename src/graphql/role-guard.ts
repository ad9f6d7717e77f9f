import { type DocumentNode, GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';

/** Root fields every node answers whatever its roles: what it is, and the schema itself. */
const ALWAYS_SERVED = new Set(['serverInfo', 'projections', '__schema', '__type', '__typename']);

const requiredRole = (operation: OperationDefinitionNode): string =>
  operation.operation === 'mutation' ? 'command' : 'query';

/**
 * Refuses an operation this node's roles do not serve: mutations need the `command` role,
 * queries and subscriptions the `query` role (a load balancer should route them to such nodes).
 * Returns the error to answer with, or undefined when the operation may run.
 */
export const refuseUnservedOperation = (
  roles: readonly string[],
  document: DocumentNode,
  operationName?: string | null,
): GraphQLError | undefined => {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  const operation =
    operationName === null || operationName === undefined
      ? operations[0]
      : operations.find((candidate) => candidate.name?.value === operationName);
  if (!operation) return undefined;
  const role = requiredRole(operation);
  if (roles.includes(role)) return undefined;
  const fields = operation.selectionSet.selections;
  if (fields.every((field) => field.kind === Kind.FIELD && ALWAYS_SERVED.has(field.name.value))) return undefined;
  return new GraphQLError(
    `this node does not serve ${operation.operation}s: it runs the ${roles.join(', ') || 'no'} role(s), and ${operation.operation}s need the ${role} role`,
    // 421 Misdirected Request: the request is fine; this node is the wrong one for it.
    { extensions: { code: 'ROLE_NOT_SERVED', http: { status: 421 } } },
  );
};
