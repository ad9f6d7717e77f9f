/*
 * The shared GraphQL kit: the types, scalars and arguments every bounded context's schema is made
 * of, defined once so that two contexts never declare two types of one name. A context's
 * resolvers import it (lint allows src/domains to import core's index, this file and their own
 * folder); it names no context's types.
 */
import { GraphQLDateTime, GraphQLJSON } from 'graphql-scalars';

export { optionalId, requireId } from '../../core/index.js';
export { CommandResult } from './command-result.js';
export { type Connection, connectionOf, connectionType, PageArgs, PageInfo } from './connection.js';
export { Cost, type FieldCost } from './field-cost.js';
export { MoneyScalar } from './money-scalar.js';
export { consistentWithArg, sinceArg } from './tokens.js';

/** `DateTime`: an ISO-8601 instant; resolvers receive and return `Date`. */
export const DateTimeScalar = GraphQLDateTime;

/** `JSON`: any JSON value, for data whose shape the schema does not pin (an event's payload). */
export const JSONScalar = GraphQLJSON;
