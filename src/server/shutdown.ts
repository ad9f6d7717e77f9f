import type { Logger } from '../core/logger.js';

/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits 0 (1 if stopping failed). A second
 * signal while stopping exits at once with 130, for an operator who will not wait.
 */
export const stopOnSignals = (stop: () => Promise<void>, log: Logger): void => {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'failed to stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
};

/**
 * Stops what a start acquired, newest first, and empties the list: a second call (or a failed
 * start's rollback followed by a stop) never stops anything twice.
 */
export const stopNewestFirst = async <Stop>(stops: Stop[], run: (stop: Stop) => Promise<void>): Promise<void> => {
  for (const stop of stops.splice(0).reverse()) await run(stop);
};
