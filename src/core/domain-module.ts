import type { CommandPipeline } from './commands/command-pipeline.js';
import type { EventStoreClient } from './eventstore/client.js';
import type { Logger } from './logger.js';

/** What every bounded context gets to build its services from. */
export interface DomainDependencies {
  readonly commands: CommandPipeline;
  readonly eventStore: EventStoreClient;
  readonly log: Logger;
}

// biome-ignore lint/complexity/noBannedTypes: type-graphql identifies resolvers by their classes.
export type ResolverClass = Function;

/**
 * A bounded context as the rest of esgraph sees it: its GraphQL resolvers and the services its
 * resolvers find in the request context under the module's key. Adding a context means adding
 * one of these to the list in src/domains/index.ts; nothing in core changes.
 */
export interface DomainModule<Services> {
  readonly resolvers: readonly ResolverClass[];
  createServices(dependencies: DomainDependencies): Services;
}
