import type { Context as TraceContext } from '@opentelemetry/api';
import type { Logger } from '../core/logger.js';
import type { ProcessManagerReport } from '../core/process-managers/process-manager-report.js';
import type { ProjectionReport } from '../core/projections/runner/projection-report.js';
import type { DomainServices, RequiredRequestContext } from '../domains/index.js';
import type { Identity } from '../identity/index.js';

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
  /** Who a verified bearer token says the caller is; undefined for an anonymous request. */
  readonly identity?: Identity;
  /** The identity's user, which the command pipeline stamps into event metadata. */
  readonly userId?: string;
  /** The identity's roles (none without a token): what the access policy checks. */
  readonly roles: readonly string[];
  /**
   * Aborted when the operation's deadline (`OPERATION_TIMEOUT_MS`) passes or its client goes
   * away: log reads stop on it, and a command not yet queued is refused with its reason.
   */
  readonly signal: AbortSignal;
  /** The GraphQL operation's span context, set by the tracing plugin; commands are its children. */
  traceContext?: TraceContext | undefined;
  readonly log: Logger;
  readonly server: ServerIdentity;
  /** Every read model's and process manager's progress, for operators. */
  readonly projections: () => Promise<RunnerReports>;
};

/** What follows the log, as operators see it: the read models, and the process managers. */
export interface RunnerReports {
  readonly projections: readonly ProjectionReport[];
  readonly processManagers: readonly ProcessManagerReport[];
}

/** The long-lived dependencies a context is made from. */
export interface ContextDependencies {
  readonly log: Logger;
  readonly server: ServerIdentity;
  readonly services: DomainServices;
  readonly projections: () => Promise<RunnerReports>;
}

/**
 * A request's context. A class, so that the logger can be made on first use by a getter on the
 * prototype: Apollo copies the context's own enumerable properties (`Object.assign`) for every
 * operation, which would evaluate an own getter, making a child logger per request whether
 * anything logs or not, and would not carry `#private` fields over at all.
 */
class RequestContext {
  readonly requestId: string;
  readonly server: ServerIdentity;
  readonly projections: () => Promise<RunnerReports>;
  readonly identity: Identity | undefined;
  readonly userId: string | undefined;
  readonly roles: readonly string[];
  readonly signal: AbortSignal;
  readonly baseLog: Logger;
  cachedLog: Logger | undefined;

  constructor(deps: ContextDependencies, requestId: string, identity: Identity | undefined, signal: AbortSignal) {
    Object.assign(this, deps.services);
    this.requestId = requestId;
    this.signal = signal;
    this.identity = identity;
    this.userId = identity?.userId;
    this.roles = identity?.roles ?? [];
    this.server = deps.server;
    this.projections = deps.projections;
    this.baseLog = deps.log;
  }

  get log(): Logger {
    this.cachedLog ??= this.baseLog.child({ requestId: this.requestId });
    return this.cachedLog;
  }
}

export const createContext = (
  deps: ContextDependencies,
  requestId: string,
  identity: Identity | undefined,
  signal: AbortSignal,
): GraphQLContext => new RequestContext(deps, requestId, identity, signal) as unknown as GraphQLContext;

// Each registered context declares what its resolvers need; this fails to compile if ours stops fitting any.
const fitsEveryDomain = (context: GraphQLContext): RequiredRequestContext => context;
void fitsEveryDomain;
