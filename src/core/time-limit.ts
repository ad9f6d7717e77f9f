/** What {@link within} answers when the time ran out before the promise settled. */
export const timedOut: unique symbol = Symbol('timed out');

/**
 * Waits for `promise` at most `ms`: its value (or its rejection) if it settles in time, else
 * {@link timedOut}. The promise itself goes on; the caller decides what to do about one that is
 * late (destroy a connection, move on, report). The timer is cleared either way.
 */
export const within = async <T>(promise: Promise<T>, ms: number): Promise<T | typeof timedOut> => {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<typeof timedOut>((resolve) => {
    timer = setTimeout(() => resolve(timedOut), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
};
