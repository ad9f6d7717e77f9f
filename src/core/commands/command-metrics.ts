import { ConcurrencyError, ValidationError } from '../errors.js';
import type { EsgraphMetrics } from '../metrics/esgraph-metrics.js';
import type { CommandMiddleware } from './command-middleware.js';

/**
 * A command's outcome as a label: `ok`, or the code its error carries (a domain rule's, a
 * refusal's), `conflict` when every attempt lost its race (CONCURRENCY_CONFLICT to the client), BAD_USER_INPUT for
 * malformed input, `error` for anything else (an event store failure). Codes are written in code, so the set is bounded.
 */
export const commandOutcome = (error: unknown): string => {
  if (error instanceof ConcurrencyError) return 'conflict';
  if (error instanceof ValidationError) return 'BAD_USER_INPUT';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
};

/**
 * Counts every command by type and outcome, with its duration, its batch's attempts and its
 * append's latency. Listed first (`app.ts`), so it also counts what stamping and authorization
 * refuse. It has no `before`; its `after` reads the times the pipeline records anyway once an
 * entry observes, and allocates nothing.
 */
export const commandMetrics = (metrics: EsgraphMetrics): CommandMiddleware => ({
  name: 'command-metrics',
  after: (command, settled) => {
    const { batch, settledAt } = settled;
    metrics.command(
      command.type,
      settled.ok ? 'ok' : commandOutcome(settled.error),
      (settledAt - command.receivedAt) / 1000,
      batch?.attempts,
      batch?.appendStartedAt === undefined ? undefined : (settledAt - batch.appendStartedAt) / 1000,
    );
  },
});
