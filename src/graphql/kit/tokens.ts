/*
 * The options of the two position-token arguments, so that every context's fields say the same
 * thing: `@Arg('consistentWith', () => String, consistentWithArg)`, `@Arg('since', () => String, sinceArg)`.
 */

/** On a query: wait until the read models it reads include a position a mutation returned. */
export const consistentWithArg = {
  nullable: true,
  description:
    'A position a mutation returned: the answer waits until the read models it comes from include that position (CONSISTENCY_TIMEOUT if they do not in time).',
} as const;

/** On a subscription: what changed after the last position the client saw, then live changes. */
export const sinceArg = {
  nullable: true,
  description:
    'The last position this client saw (a `position` field of what this subscription sends): first what changed after it, then live changes. Without it, only live changes.',
} as const;
