import { type EventStoreClient, readHeadPosition } from '../eventstore/client.js';
import { processManagerId } from '../projections/keys.js';
import { backlogsOf, lagMsOf, type ProjectionReport } from '../projections/runner/projection-report.js';
import { readProjectionStatus } from '../projections/status.js';
import type { RedisClient } from '../redis/client.js';
import { processManagerPolicy } from './declarations.js';
import type { ProcessManager } from './process-manager.js';
import type { ProcessManagerStatus } from './process-manager-lane.js';

/**
 * One process manager as an operator sees it, from any node: the projection report's fields
 * that mean something for it (it has no builds and never halts), and its runner in this process.
 */
export type ProcessManagerReport = Pick<
  ProjectionReport,
  | 'name'
  | 'checkpoint'
  | 'head'
  | 'lagEvents'
  | 'lagAtLeast'
  | 'lagMs'
  | 'leaseHolder'
  | 'parked'
  | 'failurePolicy'
  | 'streamCategory'
> & {
  readonly runner: ProcessManagerStatus | undefined;
};

/**
 * Where each process manager stands: checkpoint, lag behind the event store (events it reacts
 * to past its checkpoint, and the oldest one's age), who runs it, how many events it parked.
 * Reads Redis and the event store, so any node can answer.
 */
export const reportProcessManagers = async (
  redis: RedisClient,
  eventStore: EventStoreClient,
  processManagers: readonly ProcessManager[],
  localRunners: readonly ProcessManagerStatus[] = [],
): Promise<ProcessManagerReport[]> => {
  const head = await readHeadPosition(eventStore);
  const statuses = await readProjectionStatus(
    redis,
    processManagers.map(({ name }) => processManagerId(name)),
  );
  const backlogs = await backlogsOf(
    eventStore,
    processManagers.map((processManager, index) => ({
      projection: processManager,
      checkpoint: statuses[index]!.checkpoint,
    })),
  );
  return processManagers.map((processManager, index): ProcessManagerReport => {
    const status = statuses[index]!;
    const backlog = backlogs[index]!;
    return {
      name: processManager.name,
      checkpoint: status.checkpoint,
      head,
      lagEvents: backlog.count,
      lagAtLeast: backlog.atLeast,
      lagMs: lagMsOf(backlog),
      leaseHolder: status.leaseHolder,
      parked: status.parked,
      failurePolicy: processManagerPolicy(processManager),
      streamCategory: processManager.streamCategory,
      runner: localRunners.find((runner) => runner.name === processManager.name),
    };
  });
};
