import { processManagerId } from '../projections/keys.js';
import type { Projection } from '../projections/projection.js';
import type { ProcessManager } from './process-manager.js';

/**
 * Fails at start-up when two runners would answer to one name. Read models and process managers
 * share the checkpoint and lease layout of `keys.ts` (a process manager's under `pm.<name>`) and
 * one status report: a read model named like a process manager would be two rows of one name in
 * `projections status` and the `projections` query, and one named like a process manager's keys
 * (`pm.<name>`) would make the two fight over one checkpoint and lease. Two of one kind under one
 * name are refused too.
 */
export const assertDistinctRunnerNames = (
  projections: readonly Pick<Projection, 'name'>[],
  processManagers: readonly Pick<ProcessManager, 'name'>[],
): void => {
  const shownAs = new Map<string, string>();
  const keyedAs = new Map<string, string>();
  for (const { name } of projections) {
    const runner = `read model ${JSON.stringify(name)}`;
    claim(shownAs, name, runner, 'the name');
    claim(keyedAs, name, runner, 'the Redis key name');
  }
  for (const { name } of processManagers) {
    const runner = `process manager ${JSON.stringify(name)}`;
    claim(shownAs, name, runner, 'the name');
    claim(keyedAs, processManagerId(name).name, runner, 'the Redis key name');
  }
};

const claim = (claims: Map<string, string>, name: string, runner: string, what: string): void => {
  const holder = claims.get(name);
  if (holder !== undefined) {
    throw new Error(
      `${holder} and ${runner} share ${what} ${JSON.stringify(name)}: every read model and process manager needs a name of its own`,
    );
  }
  claims.set(name, runner);
};
