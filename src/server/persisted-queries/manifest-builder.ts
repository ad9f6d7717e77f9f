import {
  type DefinitionNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  visit,
} from 'graphql';
import { documentHash, type ManifestOperation, manifestFormat, type PersistedQueryManifest } from './manifest.js';

/** One `.graphql` file: where it came from (for messages) and its text. */
export interface OperationSource {
  readonly path: string;
  readonly text: string;
}

const isOperation = (definition: DefinitionNode): definition is OperationDefinitionNode =>
  definition.kind === Kind.OPERATION_DEFINITION;
const isFragment = (definition: DefinitionNode): definition is FragmentDefinitionNode =>
  definition.kind === Kind.FRAGMENT_DEFINITION;

/** Names of the fragments a definition spreads, in the order they first appear. */
const spreadNames = (definition: DefinitionNode): string[] => {
  const names: string[] = [];
  visit(definition, { FragmentSpread: (spread) => void names.push(spread.name.value) });
  return names;
};

/** The fragments an operation uses, directly or through other fragments, each once, in order of first use. */
const fragmentsUsedBy = (
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] => {
  const used = new Map<string, FragmentDefinitionNode>();
  const pending = spreadNames(operation);
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (used.has(name)) continue;
    const fragment = fragments.get(name);
    if (!fragment) throw new Error(`operation ${operation.name?.value} spreads unknown fragment ${name}`);
    used.set(name, fragment);
    pending.push(...spreadNames(fragment));
  }
  return [...used.values()];
};

/** Adds `definition` under its name, refusing a second, different definition of the name. */
const addOnce = <Node extends OperationDefinitionNode | FragmentDefinitionNode>(
  into: Map<string, Node>,
  kind: string,
  definition: Node,
  path: string,
): void => {
  const name = definition.name?.value;
  if (name === undefined) throw new Error(`${path}: every ${kind} needs a name, for the manifest to list it by`);
  const earlier = into.get(name);
  if (earlier && print(earlier) !== print(definition))
    throw new Error(`${path}: ${kind} ${name} is defined twice, differently`);
  into.set(name, definition);
};

/**
 * Builds the trusted documents manifest of every operation in `sources`. Each operation's body is
 * the operation followed by the fragments it uses (in order of first use), printed by graphql-js:
 * the text a client sends when it prints the document GraphQL Codegen's typed-document-node
 * generates for that operation (as test/support's clients do). The id is that text's sha256.
 */
export const buildManifest = (sources: readonly OperationSource[]): PersistedQueryManifest => {
  const operations = new Map<string, OperationDefinitionNode>();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const { path, text } of sources) {
    let definitions: readonly DefinitionNode[];
    try {
      definitions = parse(text).definitions;
    } catch (error) {
      throw new Error(`${path}: ${(error as Error).message}`);
    }
    for (const definition of definitions) {
      if (isOperation(definition)) addOnce(operations, 'operation', definition, path);
      else if (isFragment(definition)) addOnce(fragments, 'fragment', definition, path);
    }
  }
  const listed = [...operations.values()].map((operation): ManifestOperation => {
    const body = print({ kind: Kind.DOCUMENT, definitions: [operation, ...fragmentsUsedBy(operation, fragments)] });
    return { id: documentHash(body), name: operation.name!.value, type: operation.operation, body };
  });
  return { format: manifestFormat, version: 1, operations: listed.sort((a, b) => a.name.localeCompare(b.name)) };
};
