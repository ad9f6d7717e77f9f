import { type CommandRule, grantsOf, isSignedIn } from '../access.js';
import { AccessDeniedError } from '../errors.js';
import type { CommandMiddleware } from './command-middleware.js';

/**
 * The middleware that enforces the command rules of the access policy: a command whose type has
 * no rule, from a caller without a token, or that none of the caller's roles grants, is refused
 * with `AccessDeniedError` before it joins its stream's queue, so nothing is appended. Fails
 * closed: a command type nobody wrote a rule for is nobody's to run.
 */
export const commandAccess = (ruleOf: (commandType: string) => CommandRule | undefined): CommandMiddleware => ({
  name: 'command-access',
  before: async (command) => {
    const caller = { userId: command.request.userId, roles: command.request.roles ?? [] };
    if (!isSignedIn(caller)) throw new AccessDeniedError(true);
    const rule = ruleOf(command.type);
    const grants = rule === undefined ? [] : grantsOf(rule.roles, caller);
    for (const grant of grants) {
      if (grant === 'all' || (await grant(command, caller))) return undefined;
    }
    throw new AccessDeniedError(false);
  },
});
