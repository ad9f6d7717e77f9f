import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout (pino): one line per event, cheap enough for hot paths, and
 * machine-readable for whatever collects them. `silent` is for tests that assert on output.
 */
export const createLogger = (level: string, name = 'esgraph'): Logger =>
  pino({ name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
