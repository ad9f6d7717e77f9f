import type { CommandInvocation } from './commands/command-middleware.js';

/*
 * Who may do what, as a bounded context declares it: one policy per context, one rule per
 * operation (each root field of Query and Subscription, each mutation) and per command type.
 * The GraphQL layer checks the read rules in one resolver guard and the command pipeline checks
 * the command rules in a middleware; docs/ARCHITECTURE.md, "Authorization", has the flow.
 * Nothing here knows a role's name: roles are the identity's, and a context's policy names them.
 */

/** Whoever sent the request: a signed-in user with roles, or nobody (`userId` undefined). */
export interface Caller {
  readonly userId?: string;
  readonly roles: readonly string[];
}

/** A caller with a verified token. */
export interface SignedInCaller extends Caller {
  readonly userId: string;
}

export const isSignedIn = (caller: Caller): caller is SignedInCaller => caller.userId !== undefined;

/**
 * What one role may read of an operation: all of it, or what a check lets through. `args` runs
 * before the resolver and answers the arguments to run it with (narrowed, say to the caller's
 * own accounts) or `false` to refuse (FORBIDDEN); `result` runs after it and answers whether the caller may see what
 * came back. Both may read (an owner, from the log): they run outside any lock.
 */
export type ReadGrant =
  | 'all'
  | {
      readonly args?: (
        args: Readonly<Record<string, unknown>>,
        caller: SignedInCaller,
      ) => Record<string, unknown> | false | PromiseLike<Record<string, unknown> | false>;
      readonly result?: (result: unknown, caller: SignedInCaller) => boolean | PromiseLike<boolean>;
    };

/** The rule of one query or subscription field. */
export interface ReadRule {
  /**
   * Who may run it whatever their roles: everyone, token or not (only what says what the server
   * is should be), or every signed-in caller.
   */
  readonly open?: 'everyone' | 'signed-in';
  /** Each role that may run it, with what it may see; a role not listed gets FORBIDDEN. */
  readonly roles?: Readonly<Record<string, ReadGrant>>;
}

/** What one role may do with a command type: any such command, or those a check allows. */
export type CommandGrant =
  | 'all'
  | ((command: CommandInvocation, caller: SignedInCaller) => boolean | PromiseLike<boolean>);

/** The rule of one command type. No rule lets an anonymous caller command anything. */
export interface CommandRule {
  readonly roles: Readonly<Record<string, CommandGrant>>;
}

/** A bounded context's whole policy: every operation it adds to the schema, and every command it runs. */
export interface AccessPolicy {
  readonly queries: Readonly<Record<string, ReadRule>>;
  readonly subscriptions: Readonly<Record<string, ReadRule>>;
  /** Each mutation field, with the command types it may issue: their rules decide. */
  readonly mutations: Readonly<Record<string, { readonly commands: readonly string[] }>>;
  readonly commands: Readonly<Record<string, CommandRule>>;
}

/**
 * The grants the caller's roles hold, most permissive first: `all` when any role has it, so a
 * user who is teller and customer at once is never narrowed to a customer's view.
 */
export const grantsOf = <Grant>(roles: Readonly<Record<string, Grant | 'all'>>, caller: Caller): (Grant | 'all')[] => {
  const held = caller.roles.flatMap((role) => (Object.hasOwn(roles, role) ? [roles[role] as Grant | 'all'] : []));
  return held.includes('all') ? ['all'] : held;
};
