import type { Logger } from '../core/logger.js';
import { timedOut, within } from '../core/time-limit.js';

/**
 * How long one step of stopping (closing a connection, stopping the projector or an embedded
 * server) may take before shutdown gives up on it and moves on: a dependency that died must not
 * hold the process. The HTTP server's step gets SHUTDOWN_GRACE_MS on top.
 */
export const stopStepBoundMs = 1_500;

/** How long, past SHUTDOWN_GRACE_MS, the whole of stopping may take before the process exits anyway. */
export const shutdownCloseBoundMs = 5_000;

/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits 0 (1 if stopping failed or did not
 * finish within `deadlineMs`). A second signal while stopping exits at once with 130, for an
 * operator who will not wait.
 */
export const stopOnSignals = (stop: () => Promise<void>, log: Logger, deadlineMs: number): void => {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    // The last resort behind every step's own bound: whatever hangs, the process ends.
    setTimeout(() => {
      log.error({ deadlineMs }, 'did not stop within the shutdown deadline: exiting now');
      process.exit(1);
    }, deadlineMs).unref();
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
 * Runs one step of stopping, waiting for it at most `boundMs`: past that it is logged and left
 * behind (the process is on its way out). A step that fails is logged too, and the next runs.
 */
export const stopWithin = async (
  what: string,
  stop: () => Promise<void>,
  log: Logger,
  boundMs = stopStepBoundMs,
): Promise<void> => {
  try {
    if ((await within(stop(), boundMs)) === timedOut) {
      log.warn({ resource: what, boundMs }, 'did not stop within its bound; moving on');
    }
  } catch (error) {
    log.warn({ err: error, resource: what }, 'failed to stop; moving on');
  }
};

/**
 * Stops what a start acquired, newest first, and empties the list: a second call (or a failed
 * start's rollback followed by a stop) never stops anything twice.
 */
export const stopNewestFirst = async <Stop>(stops: Stop[], run: (stop: Stop) => Promise<void>): Promise<void> => {
  for (const stop of stops.splice(0).reverse()) await run(stop);
};
