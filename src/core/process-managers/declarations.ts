import { eventScope, failurePolicyOf } from '../projections/event-scope.js';
import type { FailurePolicy } from '../projections/failure-policy.js';
import { processManagerId } from '../projections/keys.js';
import type { ProcessManager } from './process-manager.js';

/**
 * A process manager's failure policy, checked: it must park. Halting would stop every later
 * reaction behind one event, and what a process manager does is commands, which a human cannot
 * replay by rebuilding; a parked event stays visible and the others go on.
 */
export const processManagerPolicy = (processManager: Pick<ProcessManager, 'name' | 'failurePolicy'>): FailurePolicy => {
  const policy = failurePolicyOf(processManager);
  if (policy.whenExhausted !== 'park') {
    throw new TypeError(`process manager ${processManager.name}: its failure policy must park, not halt`);
  }
  return policy;
};

/** Most events a process manager reacts to at once when it declares no `concurrency`. */
export const DEFAULT_PROCESS_MANAGER_CONCURRENCY = 64;

/** How many events it reacts to at once (events of one stream always one after another). */
export const processManagerConcurrency = (processManager: Pick<ProcessManager, 'name' | 'concurrency'>): number => {
  const concurrency = processManager.concurrency ?? DEFAULT_PROCESS_MANAGER_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`process manager ${processManager.name}: concurrency must be a positive integer`);
  }
  return concurrency;
};

/** Fails at start-up, not at the first event, on two of one name, a bad name, category or policy. */
export const assertProcessManagers = (processManagers: readonly ProcessManager[]): void => {
  const seen = new Set<string>();
  for (const processManager of processManagers) {
    if (seen.has(processManager.name)) {
      throw new Error(`two process managers are named ${JSON.stringify(processManager.name)}`);
    }
    seen.add(processManager.name);
    processManagerId(processManager.name);
    eventScope(processManager);
    processManagerPolicy(processManager);
    processManagerConcurrency(processManager);
  }
};
