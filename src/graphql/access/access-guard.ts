import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import {
  AccessDeniedError,
  type AccessPolicy,
  type Caller,
  type CommandRule,
  grantsOf,
  isSignedIn,
  type ReadRule,
} from '../../core/index.js';
import type { GraphQLContext } from '../context.js';

/*
 * The one resolver guard: every root field of Query and Subscription runs behind its read rule,
 * and every mutation behind a check that a caller is signed in (the command middleware applies
 * the command rules to what it then issues). The schema is refused at start-up when any root
 * field has no rule, so an operation cannot ship unguarded.
 */

/** Whose reads are written to the log, every one, with the caller's id: the auditors'. */
const auditedRole = 'auditor';

/** What a read may run with: the arguments (perhaps narrowed) and a check of what it answered. */
interface Admission {
  readonly args: Record<string, unknown>;
  readonly check?: (result: unknown) => boolean | PromiseLike<boolean>;
}

const callerOf = (context: GraphQLContext): Caller => ({ userId: context.userId, roles: context.roles });

/**
 * Decides a read: synchronously when a grant is `all` (the hot path for staff), else after the
 * grants' own checks, trying each of the caller's grants until one admits.
 * @throws AccessDeniedError when none does.
 */
const admitRead = (rule: ReadRule, caller: Caller, args: Record<string, unknown>): Admission | Promise<Admission> => {
  if (rule.open === 'everyone') return { args };
  if (!isSignedIn(caller)) throw new AccessDeniedError(true);
  if (rule.open === 'signed-in') return { args };
  const grants = grantsOf(rule.roles ?? {}, caller);
  if (grants[0] === 'all') return { args };
  return (async () => {
    for (const grant of grants) {
      if (grant === 'all') return { args };
      const admitted = grant.args === undefined ? args : await grant.args(args, caller);
      if (admitted === false) continue;
      const { result } = grant;
      return result === undefined ? { args: admitted } : { args: admitted, check: (value) => result(value, caller) };
    }
    throw new AccessDeniedError(false);
  })();
};

/** Runs the resolver with what was admitted, and refuses its answer if the grant's check does. */
const runAdmitted = async (
  admission: Admission | Promise<Admission>,
  run: (args: Record<string, unknown>) => unknown,
): Promise<unknown> => {
  const { args, check } = await admission;
  const result = await run(args);
  if (check !== undefined && !(await check(result))) throw new AccessDeniedError(false);
  return result;
};

/** Ids and cursors an auditor read with, cut short: enough to say what was read, never a document. */
const auditedArgs = (args: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(args).map(([name, value]) => [name, typeof value === 'string' ? value.slice(0, 128) : value]),
  );

const audit = (context: GraphQLContext, operation: string, args: Record<string, unknown>): void => {
  if (!context.roles.includes(auditedRole)) return;
  context.log.info({ audit: true, userId: context.userId, operation, args: auditedArgs(args) }, 'audited read');
};

const ruleFor = <Rule>(rules: Readonly<Record<string, Rule>>, type: string, field: string): Rule => {
  const rule = Object.hasOwn(rules, field) ? rules[field] : undefined;
  if (rule === undefined) {
    throw new Error(`${type}.${field} has no access rule: declare one in its context's access policy`);
  }
  return rule;
};

const guardQueries = (type: GraphQLObjectType | null | undefined, rules: Readonly<Record<string, ReadRule>>) => {
  for (const field of Object.values(type?.getFields() ?? {})) {
    const rule = ruleFor(rules, 'Query', field.name);
    const resolve: GraphQLFieldResolver<unknown, GraphQLContext> = field.resolve ?? defaultFieldResolver;
    const operation = `Query.${field.name}`;
    field.resolve = (source, args, context, info) => {
      const admission = admitRead(rule, callerOf(context), args);
      audit(context, operation, args);
      if (!(admission instanceof Promise) && admission.check === undefined) {
        return resolve(source, admission.args, context, info);
      }
      return runAdmitted(admission, (admitted) => resolve(source, admitted, context, info));
    };
  }
};

const guardSubscriptions = (type: GraphQLObjectType | null | undefined, rules: Readonly<Record<string, ReadRule>>) => {
  for (const field of Object.values(type?.getFields() ?? {})) {
    const rule = ruleFor(rules, 'Subscription', field.name);
    const subscribe = field.subscribe;
    if (subscribe === undefined) throw new Error(`Subscription.${field.name} has no subscribe to guard`);
    const operation = `Subscription.${field.name}`;
    field.subscribe = (source, args, context: GraphQLContext, info) => {
      const admission = admitRead(rule, callerOf(context), args);
      audit(context, operation, args);
      // A feed has no single answer to check: a subscription's rule decides on its arguments.
      return runAdmitted(admission, (admitted) => subscribe(source, admitted, context, info));
    };
  }
};

const guardMutations = (
  type: GraphQLObjectType | null | undefined,
  mutations: AccessPolicy['mutations'],
  commands: Readonly<Record<string, CommandRule>>,
) => {
  for (const field of Object.values(type?.getFields() ?? {})) {
    const { commands: issued } = ruleFor(mutations, 'Mutation', field.name);
    for (const command of issued) ruleFor(commands, 'command', command);
    const resolve: GraphQLFieldResolver<unknown, GraphQLContext> = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context, info) => {
      if (context.userId === undefined) throw new AccessDeniedError(true);
      return resolve(source, args, context, info);
    };
  }
};

/** The policies as one, refusing an operation or command two of them declare. */
export const mergeAccessPolicies = (policies: readonly AccessPolicy[]): AccessPolicy => {
  const merge = <Rule>(part: keyof AccessPolicy): Record<string, Rule> => {
    const merged: Record<string, Rule> = {};
    for (const policy of policies) {
      for (const [name, rule] of Object.entries(policy[part])) {
        if (Object.hasOwn(merged, name)) throw new Error(`two access policies declare a rule for ${part} ${name}`);
        merged[name] = rule as Rule;
      }
    }
    return merged;
  };
  return {
    queries: merge('queries'),
    subscriptions: merge('subscriptions'),
    mutations: merge('mutations'),
    commands: merge('commands'),
  };
};

/**
 * Puts every root field of `schema` behind the policies' rules, in place, and answers the
 * merged policy (whose command rules the command middleware enforces).
 * @throws Error naming the first root field or command without a rule.
 */
export const guardSchema = (schema: GraphQLSchema, policies: readonly AccessPolicy[]): AccessPolicy => {
  const policy = mergeAccessPolicies(policies);
  guardQueries(schema.getQueryType(), policy.queries);
  guardSubscriptions(schema.getSubscriptionType(), policy.subscriptions);
  guardMutations(schema.getMutationType(), policy.mutations, policy.commands);
  return policy;
};
