/**
 * A dependency (Redis, the event store) did not answer within the start-up deadline. The message
 * is the line an operator needs: what, where (password masked), how long, and the last error seen.
 */
export class DependencyUnreachableError extends Error {
  override readonly name = 'DependencyUnreachableError';
  constructor(
    readonly dependency: string,
    readonly where: string,
    readonly timeoutMs: number,
    lastError: unknown,
  ) {
    super(
      `could not reach ${dependency} at ${where} within ${timeoutMs} ms` +
        (lastError === undefined ? '' : ` (last error: ${errorText(lastError)})`),
    );
  }
}

const errorText = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  // AggregateError (a host with several addresses) says nothing itself; its parts do.
  if (error instanceof AggregateError && error.message === '') return error.errors.map(errorText).join('; ');
  return error.message;
};
