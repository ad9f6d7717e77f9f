import { FORWARDS, START } from '@eventstore/db-client';
import { type EventStoreClient, readHeadPosition } from '../../eventstore/client.js';
import type { RedisClient } from '../../redis/client.js';
import { readActiveVersion } from '../active-version.js';
import { eventScope, failurePolicyOf } from '../event-scope.js';
import type { FailurePolicy } from '../failure-policy.js';
import type { ProjectionHalt } from '../halts.js';
import type { Projection } from '../projection.js';
import { readProjectionStatus } from '../status.js';
import { codeVersionOf } from './builds.js';
import type { RunnerStatus } from './projection-lane.js';

/** How far behind a projection is counted at most; past this, "at least". */
export const LAG_COUNT_LIMIT = 10_000;

/** One projection as an operator sees it, from any node: what `projections status` prints. */
export interface ProjectionReport {
  readonly name: string;
  /** The version this code has. */
  readonly codeVersion: number;
  /** The build readers use, if any; its code version is `activeBuild / 1000`. */
  readonly activeBuild: number | undefined;
  readonly activeCodeVersion: number | undefined;
  /** The last $all position the active build applied. */
  readonly checkpoint: bigint | undefined;
  /** The last position in $all. */
  readonly head: bigint | undefined;
  /** Events that reach its handler (its types, its stream category) past its checkpoint (up to LAG_COUNT_LIMIT). */
  readonly lagEvents: number;
  /** Whether there are more than `lagEvents`. */
  readonly lagAtLeast: boolean;
  /** How long ago the oldest event not yet applied was written; 0 when none is waiting. */
  readonly lagMs: number;
  /** The lease token of the runner writing the active build. */
  readonly leaseHolder: string | undefined;
  readonly parked: number;
  /** What it does with an event its handler keeps failing on: retries, then park or halt. */
  readonly failurePolicy: FailurePolicy;
  /** The stream category it is scoped to (`account`: streams `account-*`), or undefined for every stream. */
  readonly streamCategory: string | undefined;
  /** Where the active build halted and why; undefined while it is not halted. */
  readonly halt: ProjectionHalt | undefined;
  /** The runner in this process, when this process is a projector. */
  readonly runner: RunnerStatus | undefined;
}

/** What the backlog count needs of a reader of the log: a projection, or a process manager. */
export type EventReader = Pick<Projection, 'name' | 'handles' | 'streamCategory'>;

/** How much of the log a reader has yet to see. */
export interface Backlog {
  readonly count: number;
  readonly atLeast: boolean;
  readonly oldest: Date | undefined;
}

/**
 * Counts each projection's events after `checkpoint`, and when the oldest of them was written:
 * one read of the log serves every projection at that checkpoint.
 */
const backlogsAt = async (
  eventStore: EventStoreClient,
  projections: readonly EventReader[],
  checkpoint: bigint | undefined,
): Promise<Backlog[]> => {
  const counted = projections.map((projection) => ({
    wants: eventScope(projection),
    count: 0,
    oldest: undefined as Date | undefined,
  }));
  const fromPosition = checkpoint === undefined ? START : { commit: checkpoint, prepare: checkpoint };
  for await (const resolved of eventStore.readAll({
    fromPosition,
    direction: FORWARDS,
    maxCount: LAG_COUNT_LIMIT + 1,
  })) {
    const event = resolved.event;
    // Reads from a position include the event at it, which the checkpoint says is applied.
    if (!event || (checkpoint !== undefined && (event.position?.commit ?? 0n) <= checkpoint)) continue;
    for (const projection of counted) {
      if (!projection.wants({ type: event.type, streamName: event.streamId })) continue;
      projection.oldest ??= event.created;
      projection.count++;
    }
  }
  return counted.map(({ count, oldest }) => ({
    count: Math.min(count, LAG_COUNT_LIMIT),
    atLeast: count > LAG_COUNT_LIMIT,
    oldest,
  }));
};

/** Each reader's backlog; readers at the same checkpoint (the usual case) share one read. */
export const backlogsOf = async (
  eventStore: EventStoreClient,
  projections: readonly { readonly projection: EventReader; readonly checkpoint: bigint | undefined }[],
): Promise<Backlog[]> => {
  const byCheckpoint = new Map<bigint | undefined, number[]>();
  projections.forEach(({ checkpoint }, index) => {
    byCheckpoint.set(checkpoint, [...(byCheckpoint.get(checkpoint) ?? []), index]);
  });
  const backlogs: Backlog[] = [];
  await Promise.all(
    [...byCheckpoint].map(async ([checkpoint, indexes]) => {
      const found = await backlogsAt(
        eventStore,
        indexes.map((index) => projections[index]!.projection),
        checkpoint,
      );
      indexes.forEach((index, at) => {
        backlogs[index] = found[at]!;
      });
    }),
  );
  return backlogs;
};

/** How long ago the oldest event a reader has yet to see was written; 0 when none waits. */
export const lagMsOf = (backlog: Backlog): number =>
  backlog.oldest ? Math.max(0, Date.now() - backlog.oldest.getTime()) : 0;

/**
 * Where each projection stands: its active build, checkpoint and lag behind the event store (in
 * events and in age), who writes it, how many events it parked, its failure policy and stream
 * scope, and where it halted if it did. Reads Redis and the event
 * store, so any node can answer, whichever runs the projectors.
 */
export const reportProjections = async (
  redis: RedisClient,
  eventStore: EventStoreClient,
  projections: readonly Projection[],
  localRunners: readonly RunnerStatus[] = [],
): Promise<ProjectionReport[]> => {
  const head = await readHeadPosition(eventStore);
  const states = await Promise.all(
    projections.map(async (projection) => {
      const activeBuild = await readActiveVersion(redis, projection.name);
      const [status] =
        activeBuild === undefined
          ? [undefined]
          : await readProjectionStatus(redis, [{ name: projection.name, version: activeBuild }]);
      return { projection, activeBuild, status, checkpoint: status?.checkpoint };
    }),
  );
  const backlogs = await backlogsOf(eventStore, states);
  return states.map(({ projection, activeBuild, status }, index): ProjectionReport => {
    const backlog = backlogs[index]!;
    return {
      name: projection.name,
      codeVersion: projection.version,
      activeBuild,
      activeCodeVersion: activeBuild === undefined ? undefined : codeVersionOf(activeBuild),
      checkpoint: status?.checkpoint,
      head,
      lagEvents: backlog.count,
      lagAtLeast: backlog.atLeast,
      lagMs: lagMsOf(backlog),
      leaseHolder: status?.leaseHolder,
      parked: status?.parked ?? 0,
      failurePolicy: failurePolicyOf(projection),
      streamCategory: projection.streamCategory,
      halt: status?.halt,
      runner: localRunners.find((runner) => runner.name === projection.name),
    };
  });
};
