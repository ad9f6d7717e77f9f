import type { Logger } from '../core/logger.js';
import type { ProjectionReport } from '../core/projections/runner/projection-report.js';
import type { BankContext } from '../domains/bank/graphql/bank-context.js';
import type { DomainServices } from '../domains/index.js';

/** What this process is, as `serverInfo` reports it. */
export interface ServerIdentity {
  readonly name: string;
  readonly version: string;
  readonly roles: readonly string[];
}

/**
 * The per-request context every resolver receives. Built in one place (`createContext`) from
 * long-lived dependencies; each bounded context finds its services under its own key
 * (`ctx.bank`), and resolvers take what they need from it and nothing else.
 */
export type GraphQLContext = DomainServices & {
  readonly requestId: string;
  /** The authenticated user, once auth exists. */
  readonly userId?: string;
  readonly log: Logger;
  readonly server: ServerIdentity;
  /** Every read model's progress, for operators. */
  readonly projections: () => Promise<ProjectionReport[]>;
};

/** The long-lived dependencies a context is made from. */
export interface ContextDependencies {
  readonly log: Logger;
  readonly server: ServerIdentity;
  readonly services: DomainServices;
  readonly projections: () => Promise<ProjectionReport[]>;
}

export const createContext = (deps: ContextDependencies, requestId: string): GraphQLContext => {
  let log: Logger | undefined;
  return {
    ...deps.services,
    requestId,
    // Most requests log nothing: the child logger is made on first use, not for every request.
    get log() {
      log ??= deps.log.child({ requestId });
      return log;
    },
    server: deps.server,
    projections: deps.projections,
  };
};

// Each context's resolvers declare the context they need; this fails to compile if ours stops fitting.
const fitsEveryDomain = (context: GraphQLContext): BankContext => context;
void fitsEveryDomain;
