import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import type { ResolverClass } from '../core/domain-module.js';
import { domainResolvers } from '../domains/index.js';
import { DateTimeScalar } from './kit/index.js';
import { ProjectionStatusResolver } from './projection-status.js';
import { ServerInfoResolver } from './server-info.js';

/** Every resolver class in the schema: the server's own, then each bounded context's. */
export const resolverClasses = (): NonEmptyArray<ResolverClass> => [
  ServerInfoResolver,
  ProjectionStatusResolver,
  ...domainResolvers(),
];

/**
 * type-graphql insists on a pubSub for its topic-based subscriptions. esgraph's subscriptions
 * give `subscribe` an async iterable of their own instead, fed by Redis so that every instance
 * sees every change; an in-process topic would silently miss other instances' changes.
 */
const topicsUnsupported: PubSub = {
  publish: () => {
    throw new Error('topic-based @Subscription is not supported: pass `subscribe` an async iterable');
  },
  subscribe: () => {
    throw new Error('topic-based @Subscription is not supported: pass `subscribe` an async iterable');
  },
};

/**
 * Builds the executable schema from the resolver classes. Decorator metadata emission is off in
 * both the build and the tests, so every decorator names its GraphQL type explicitly and the
 * schema is the same whichever compiler produced the code.
 */
export const buildEsgraphSchema = (): Promise<GraphQLSchema> =>
  buildSchema({
    resolvers: resolverClasses(),
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    pubSub: topicsUnsupported,
    validate: false,
  });

/** The schema as SDL in a stable order: what schema/schema.graphql holds. */
export const printEsgraphSchema = (schema: GraphQLSchema): string =>
  `${printSchema(lexicographicSortSchema(schema))}\n`;
