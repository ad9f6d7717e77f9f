import type { Logger } from '../core/logger.js';

/** What this process is, as `serverInfo` reports it. */
export interface ServerIdentity {
  readonly name: string;
  readonly version: string;
  readonly roles: readonly string[];
}

/**
 * The per-request context every resolver receives. Built in one place (`createContext`) from
 * long-lived dependencies; resolvers take what they need from it and nothing else.
 */
export interface GraphQLContext {
  readonly requestId: string;
  readonly log: Logger;
  readonly server: ServerIdentity;
}

/** The long-lived dependencies a context is made from. */
export interface ContextDependencies {
  readonly log: Logger;
  readonly server: ServerIdentity;
}

export const createContext = (deps: ContextDependencies, requestId: string): GraphQLContext => ({
  requestId,
  log: deps.log.child({ requestId }),
  server: deps.server,
});
