import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import { ServerInfoResolver } from './server-info.js';

// biome-ignore lint/complexity/noBannedTypes: type-graphql identifies resolvers by their classes.
type ResolverClass = Function;

/** Every resolver class in the schema. A domain adds its resolvers here through its registration. */
export const resolverClasses = (): NonEmptyArray<ResolverClass> => [ServerInfoResolver];

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
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    pubSub: topicsUnsupported,
    validate: false,
  });

/** The schema as SDL in a stable order: what schema/schema.graphql holds. */
export const printEsgraphSchema = (schema: GraphQLSchema): string =>
  `${printSchema(lexicographicSortSchema(schema))}\n`;
