import type { AccessPolicy } from './access.js';
import type { CommandPipeline } from './commands/command-pipeline.js';
import type { EventStoreClient } from './eventstore/client.js';
import type { Logger } from './logger.js';
import type { ProcessManager } from './process-managers/process-manager.js';
import type { Projection } from './projections/projection.js';
import type { ReadModels } from './projections/read-models.js';

/** What every bounded context gets to build its services from. */
export interface DomainDependencies {
  readonly commands: CommandPipeline;
  readonly eventStore: EventStoreClient;
  /** Read models in Redis, for queries and subscriptions. */
  readonly readModels: ReadModels;
  readonly log: Logger;
  /**
   * The most events a read of a whole stream on a client's behalf may take: past it the read
   * stops and answers `LOG_TOO_LONG`, so one query cannot make the server hold a huge stream.
   */
  readonly streamReadMaxEvents: number;
}

// biome-ignore lint/complexity/noBannedTypes: type-graphql identifies resolvers by their classes.
export type ResolverClass = Function;

/**
 * A bounded context as the rest of esgraph sees it: its GraphQL resolvers and the services its
 * resolvers find in the request context under the module's key. Adding a context means adding
 * one of these to the list in src/domains/index.ts; nothing in core changes.
 */
export interface DomainModule<Services, RequestContext = unknown> {
  readonly resolvers: readonly ResolverClass[];
  /** The context's read models; projector nodes keep them up to date. */
  // biome-ignore lint/suspicious/noExplicitAny: each projection narrows the events it handles.
  readonly projections: readonly Projection<any>[];
  /**
   * The context's process managers (sagas), if it has any; projector nodes run them, each under
   * its own lease, sending their commands through the pipeline with the access policy's rules.
   */
  // biome-ignore lint/suspicious/noExplicitAny: each process manager narrows the events it reacts to.
  readonly processManagers?: readonly ProcessManager<any>[];
  createServices(dependencies: DomainDependencies): Services;
  /**
   * Who may run each of the context's operations and commands. Every query, subscription and
   * mutation its resolvers add needs a rule: a server will not start with one missing.
   */
  access(services: Services): AccessPolicy;
  /**
   * Type only, never set: what the context's resolvers expect of the GraphQL request context.
   * The GraphQL layer checks at compile time that its context fits every registered module's.
   */
  readonly requestContext?: RequestContext;
}
