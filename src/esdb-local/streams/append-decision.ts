import type { ExpectedRevision } from './expected-revision.js';
import type { EventPlacement } from './recent-event-ids.js';

/** What to do with an append (or delete), decided from the stream as the writer has accepted it. */
export type AppendDecision =
  /** Write the events; when the stream was soft deleted, writing recreates it. */
  | { readonly kind: 'write'; readonly recreatesSoftDeleted: boolean }
  /** These exact events were written before at revisions first..last: answer as then, write nothing. */
  | { readonly kind: 'idempotent'; readonly first: number; readonly last: number }
  | { readonly kind: 'wrong-expected-version' }
  | { readonly kind: 'stream-deleted' };

export interface AppendFacts {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  /** The last accepted revision, -1 when the stream has no event. */
  readonly current: number;
  readonly tombstoned: boolean;
  readonly softDeleted: boolean;
  /** Whether `$$<stream>` has an event: a stream with only metadata counts as existing. */
  readonly metastreamExists: boolean;
  readonly eventIds: readonly string[];
  /** Where a recently accepted event id went, from the bounded cache. */
  readonly recentPlacement: (eventId: string) => EventPlacement | undefined;
  /** The id of the durable event at this revision of the stream, if any. */
  readonly storedEventId: (revision: number) => string | undefined;
}

const WRONG: AppendDecision = { kind: 'wrong-expected-version' };
const DELETED: AppendDecision = { kind: 'stream-deleted' };

/**
 * EventStoreDB's commit check (`IndexWriter.CheckCommit`), rule for rule. With `any` or
 * `stream_exists`, idempotency comes from the recent-ids cache alone; with `no_stream` or an
 * exact revision below the current one, the events are compared with what is stored at the
 * revisions they would take. Events matching only in part are a wrong expected version.
 */
export const decideAppend = (facts: AppendFacts): AppendDecision => {
  const { expected, current, softDeleted, eventIds } = facts;
  const write: AppendDecision = { kind: 'write', recreatesSoftDeleted: softDeleted };
  if (facts.tombstoned) return DELETED;
  if (expected === 'stream_exists') {
    if (softDeleted) return DELETED;
    if (current < 0 && !facts.metastreamExists) return WRONG;
  }
  if (expected === 'any' || expected === 'stream_exists') return decideFromRecentIds(facts, write);

  const expectedRevision = expected === 'no_stream' ? -1 : expected;
  if (expectedRevision > current) return WRONG;
  if (expectedRevision === current) return write;

  let revision = expectedRevision;
  for (const eventId of eventIds) {
    revision += 1;
    const placement = facts.recentPlacement(eventId);
    if (placement?.streamId === facts.streamId && placement.revision === revision) continue;
    if (facts.storedEventId(revision) === eventId) continue;
    if (revision !== expectedRevision + 1) return WRONG;
    if (expected === 'no_stream' && softDeleted) return write;
    return WRONG;
  }
  if (revision === expectedRevision) return WRONG;
  return { kind: 'idempotent', first: expectedRevision + 1, last: revision };
};

const decideFromRecentIds = (facts: AppendFacts, write: AppendDecision): AppendDecision => {
  let first = -1;
  let last = -1;
  for (const [index, eventId] of facts.eventIds.entries()) {
    const placement = facts.recentPlacement(eventId);
    if (placement?.streamId !== facts.streamId) return index === 0 ? write : WRONG;
    if (index === 0) first = placement.revision;
    last = placement.revision;
  }
  if (facts.eventIds.length === 0) return write;
  return { kind: 'idempotent', first, last };
};
