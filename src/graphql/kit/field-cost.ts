import { Extensions } from 'type-graphql';

/**
 * What one field costs in the document cost limit (src/graphql/document-cost.ts), beyond the
 * default: 1 for a field with a selection, 0 for a leaf, its connection's `first` as the number
 * of items its selection is paid for.
 */
export interface FieldCost {
  /** What resolving the field reads, in rows or events: a field that reads the log says so here. */
  readonly weight: number;
  /** How many items its selection is paid for, when it answers a list without a `first`. */
  readonly items?: number;
}

/** The schema extension the cost rule reads; type-graphql copies it onto the field. */
export const fieldCostExtension = 'cost';

/** Declares a field's cost: `@Cost({ weight: 100, items: 100 })` beside `@Query`. */
export const Cost = (cost: FieldCost): MethodDecorator & PropertyDecorator =>
  Extensions({ [fieldCostExtension]: cost }) as MethodDecorator & PropertyDecorator;
