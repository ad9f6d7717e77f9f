/**
 * Where a projection lives in Redis: the one place that spells out the key layout.
 *
 * ```
 * rm:{<name>}:v<version>:<logical key>       read-model data written by the handlers' ops
 * proj:{<name>}:v<version>:checkpoint        last $all commit position applied (decimal string)
 * proj:{<name>}:v<version>:lease             token of the runner allowed to write this version
 * proj:{<name>}:v<version>:parked            sorted set of parked events, ordered by position
 * proj:{<name>}:v<version>:parked:<eventId>  hash: one parked event's details
 * proj:{<name>}:v<version>:halted            hash: the event this version halted at, if it did
 * proj:{<name>}:active                       the version readers use (a rebuild switches it)
 * ```
 *
 * A process manager keeps its checkpoint, lease and parked events in the same layout, under
 * the name `pm.<name>` and version 1 (`processManagerId`): it has no builds and no read-model
 * data, since what it does lands in the event store, and sharing the layout lets it use the
 * projections' fenced commit, lease and parking as they are. A read model named `pm.<name>` would
 * share those keys, so start-up refuses one (`assertDistinctRunnerNames`).
 *
 * Every key of a projection carries the hash tag `{<name>}`, so Redis Cluster puts them all in one
 * slot: the commit script touches data, lease, checkpoint and active version together, and a
 * script may only touch keys of one slot. Data (`rm:`) and bookkeeping (`proj:`) have different
 * prefixes, so no logical key a handler picks can collide with a checkpoint or lease. Each version
 * has its own data, so a rebuild writes version N+1 beside the live version N.
 */

/** One version of one projection: what a runner writes and a lease guards. */
export interface ProjectionId {
  readonly name: string;
  readonly version: number;
}

/** A projection version's read-model keys, for the runner and for readers. */
export interface KeySpace extends ProjectionId {
  /** The Redis key of a handler's logical key (`account:42`) in this version. */
  readonly key: (logicalKey: string) => string;
}

// Braces would break the hash tag, and ':' or whitespace would make keys ambiguous to read.
const validName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws on a name that cannot be placed in the layout above; a programming error. */
const assertName = (name: string): void => {
  if (!validName.test(name)) throw new TypeError(`projection name ${JSON.stringify(name)} must match ${validName}`);
};

/** Throws on a name or version that cannot be placed in the layout above; a programming error. */
export const assertProjectionId = ({ name, version }: ProjectionId): void => {
  assertName(name);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new TypeError(`projection ${name}: version must be a positive integer, got ${version}`);
  }
};

const tag = (name: string): string => `{${name}}`;

/** The read-model key space of one projection version. */
export const keySpace = (id: ProjectionId): KeySpace => {
  assertProjectionId(id);
  const prefix = `rm:${tag(id.name)}:v${id.version}:`;
  return { name: id.name, version: id.version, key: (logicalKey) => prefix + logicalKey };
};

const versionKey = (id: ProjectionId, suffix: string): string => {
  assertProjectionId(id);
  return `proj:${tag(id.name)}:v${id.version}:${suffix}`;
};

/** What every key of one build starts with: its read-model data, and its bookkeeping. */
export const buildKeyPrefixes = (id: ProjectionId): readonly string[] => [keySpace(id).key(''), versionKey(id, '')];

export const checkpointKey = (id: ProjectionId): string => versionKey(id, 'checkpoint');
export const leaseKey = (id: ProjectionId): string => versionKey(id, 'lease');
export const parkedIndexKey = (id: ProjectionId): string => versionKey(id, 'parked');
export const haltKey = (id: ProjectionId): string => versionKey(id, 'halted');
export const parkedEventKey = (id: ProjectionId, eventId: string): string => versionKey(id, `parked:${eventId}`);

/** Where a process manager's bookkeeping lives: `proj:{pm.<name>}:v1:…`. */
export const processManagerId = (name: string): ProjectionId => {
  const id = { name: `pm.${name}`, version: 1 };
  assertProjectionId(id);
  return id;
};

export const activeVersionKey = (name: string): string => {
  assertName(name);
  return `proj:${tag(name)}:active`;
};
