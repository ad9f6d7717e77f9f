import {
  type AccessPolicy,
  assertDistinctRunnerNames,
  type DomainDependencies,
  type DomainModule,
} from '../core/index.js';
import { bankModule } from './bank/index.js';

/**
 * Every bounded context esgraph serves. Each key is where the context's services appear in the
 * GraphQL request context (`ctx.bank`). A new context is one more entry here.
 */
export const domainModules = { bank: bankModule } as const;

type Modules = typeof domainModules;

/** The services of every context, by key: part of every GraphQL request context. */
export type DomainServices = {
  readonly [Key in keyof Modules]: Modules[Key] extends DomainModule<infer Services> ? Services : never;
};

/** Everything the registered contexts' resolvers expect of the request context, together. */
export type RequiredRequestContext = UnionToIntersection<
  {
    [Key in keyof Modules]: Modules[Key] extends DomainModule<unknown, infer RequestContext> ? RequestContext : never;
  }[keyof Modules]
>;

type UnionToIntersection<Union> = (Union extends unknown ? (value: Union) => void : never) extends (
  value: infer Intersection,
) => void
  ? Intersection
  : never;

export const createDomainServices = (dependencies: DomainDependencies): DomainServices =>
  Object.fromEntries(
    Object.entries(domainModules).map(([key, module]) => [key, module.createServices(dependencies)]),
  ) as DomainServices;

export const domainResolvers = () => Object.values(domainModules).flatMap((module) => module.resolvers);

/** Every context's runners, refused at once when two would answer to one name (and so one checkpoint). */
const domainRunners = () => {
  const modules: DomainModule<unknown>[] = Object.values(domainModules);
  const projections = modules.flatMap((module) => module.projections);
  const processManagers = modules.flatMap((module) => module.processManagers ?? []);
  assertDistinctRunnerNames(projections, processManagers);
  return { projections, processManagers };
};

/** Every read model of every context, for the projector role to run. */
export const domainProjections = () => domainRunners().projections;

/** Every process manager of every context, for projector nodes to run. */
export const domainProcessManagers = () => domainRunners().processManagers;

/** Each context's access policy, for the resolver guard and the command middleware. */
export const domainAccessPolicies = (services: DomainServices): AccessPolicy[] =>
  Object.entries(domainModules).map(([key, module]) =>
    // biome-ignore lint/suspicious/noExplicitAny: each module reads the services it made, found under its own key.
    module.access((services as Record<string, any>)[key]),
  );
