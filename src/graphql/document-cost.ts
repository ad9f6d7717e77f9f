import {
  type ASTVisitor,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { maxPageSize } from '../core/index.js';
import { documentLimitError } from './document-limit-error.js';
import { type FieldCost, fieldCostExtension } from './kit/field-cost.js';

/**
 * The items a field's selection is paid for: its `first` as written, the most a page may hold
 * when `first` is a variable (validation runs once per document, before any variables are
 * known, so it must assume the worst), the argument's default when omitted, else what the field
 * declares, else one.
 */
const itemsOf = (node: FieldNode, field: GraphQLField<unknown, unknown>, declared: FieldCost | undefined): number => {
  const first = field.args.find((arg) => arg.name === 'first');
  if (first === undefined) return declared?.items ?? 1;
  const given = node.arguments?.find((arg) => arg.name.value === 'first')?.value;
  if (given?.kind === Kind.INT) return Math.max(1, Number.parseInt(given.value, 10));
  if (given?.kind === Kind.VARIABLE) return maxPageSize;
  return typeof first.defaultValue === 'number' ? first.defaultValue : maxPageSize;
};

/**
 * One operation's cost. A leaf costs 0, a field with a selection 1 plus its selection times its
 * items; a field that declares a cost (`@Cost`, the log readers) weighs what it reads. A
 * fragment's cost is worked out once, so spreading one fragment many times is not exponential
 * work, and a fragment cycle (refused by graphql-js's own rule) counts as 0 here.
 */
const operationCost = (context: ValidationContext, root: GraphQLNamedType, selections: SelectionSetNode): number => {
  const schema = context.getSchema();
  const fragmentCosts = new Map<string, number>();
  const selectionCost = (type: GraphQLNamedType | undefined, set: SelectionSetNode): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const fields = type !== undefined && (isObjectType(type) || isInterfaceType(type)) ? type.getFields() : {};
        const field = fields[selection.name.value];
        if (field === undefined) continue; // __typename, introspection, or unknown (another rule reports it)
        const declared = field.extensions[fieldCostExtension] as FieldCost | undefined;
        if (selection.selectionSet === undefined) {
          cost += declared?.weight ?? 0;
          continue;
        }
        const items = itemsOf(selection, field, declared);
        cost += (declared?.weight ?? 1) + items * selectionCost(getNamedType(field.type), selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        cost += selectionCost(condition ?? undefined, selection.selectionSet);
      } else {
        const name = selection.name.value;
        const known = fragmentCosts.get(name);
        if (known !== undefined) {
          cost += known;
          continue;
        }
        const fragment = context.getFragment(name);
        if (!fragment) continue;
        fragmentCosts.set(name, 0); // a cycle back to this fragment adds nothing
        const fragmentCost = selectionCost(
          schema.getType(fragment.typeCondition.name.value) ?? undefined,
          fragment.selectionSet,
        );
        fragmentCosts.set(name, fragmentCost);
        cost += fragmentCost;
      }
    }
    return cost;
  };
  return selectionCost(root, selections);
};

/**
 * Refuses an operation whose cost is above `maxCost`. Our own rule beside graphql-armor's: its
 * cost limit weighs every field alike and reads only a literal `first`, and the expensive fields
 * here are the ones that read the log, which only the schema (through `@Cost`) can say.
 */
export const documentCostRule =
  (maxCost: number): ValidationRule =>
  (context: ValidationContext): ASTVisitor => ({
    OperationDefinition: (operation) => {
      const root = context.getSchema().getRootType(operation.operation);
      if (root === undefined || root === null) return false;
      const cost = operationCost(context, root, operation.selectionSet);
      if (cost > maxCost) {
        context.reportError(
          documentLimitError('cost', maxCost, `Query cost limit of ${maxCost} exceeded, found ${cost}.`),
        );
      }
      return false;
    },
  });
