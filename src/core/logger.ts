import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  /** Readable lines for a person at a terminal (pino-pretty) instead of JSON. Default false. */
  readonly pretty?: boolean;
}

/**
 * Structured JSON logs on stdout (pino): one line per event, cheap enough for hot paths, and
 * machine-readable for whatever collects them. `silent` is for tests that assert on output.
 * `pretty` formats the same records in this thread, synchronously, so a line logged just before
 * `process.exit` is not lost and lines keep their order with what else is printed on stdout.
 */
export const createLogger = (level: string, name = 'esgraph', options: LoggerOptions = {}): Logger =>
  pino(
    { name, level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    options.pretty
      ? pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name', singleLine: true })
      : undefined,
  );
