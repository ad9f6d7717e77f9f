/*
 * Core's public surface: everything a bounded context (src/domains/*) may use. Lint lets a domain
 * import core through this file only; what is not exported here (the projection runner, the
 * commit script, leases, the shared feed, the fold cache) is core's own business and may change
 * without notice. The composition root (src/app.ts) and the operator tools wire those internals
 * together and import them directly.
 */

// Who may do what: the policy a context declares for its operations and commands.
export {
  type AccessPolicy,
  type Caller,
  type CommandGrant,
  type CommandRule,
  grantsOf,
  isSignedIn,
  type ReadGrant,
  type ReadRule,
  type SignedInCaller,
} from './access.js';
export type { Aggregate } from './commands/aggregate.js';
export type { CommandReceipt } from './commands/batch-outcomes.js';
export { stampCommandMetadata } from './commands/command-metadata.js';
// The seam around each command: what an entry (authorization, metrics, tracing) is written against.
export type * from './commands/command-middleware.js';
export type { CommandPipeline } from './commands/command-pipeline.js';
export { derivedId } from './commands/event-ids.js';
// The write side: what a context writes to decide, and how its commands are run.
export type { CommandMetadata, Decider, DomainCommand, DomainEvent } from './decider.js';
// A context's shape as the rest of esgraph sees it.
export type { DomainDependencies, DomainModule, ResolverClass } from './domain-module.js';
// Errors a context throws or maps; the GraphQL layer gives each its extensions.code.
export {
  AccessDeniedError,
  CommandIdReusedError,
  ConcurrencyError,
  ConsistencyTimeoutError,
  DomainError,
  NotFoundError,
  OperationAbortedError,
  ServiceUnavailableError,
  UnreadableReadModelError,
  ValidationError,
} from './errors.js';
// How a context reads its stored events back: one decoder per event type, every schema version upcast.
export {
  type EventDecoder,
  type EventDecoders,
  type EventDecoderTable,
  EventDecodingError,
  eventDecoders,
  type Recorded,
  type Upcast,
} from './event-decoders.js';
// The event store, for the temporal queries that answer from the log.
export type { EventStoreClient } from './eventstore/client.js';
export type { EventEnvelope } from './eventstore/event-envelope.js';
export {
  type PositionToken,
  parsePositionToken,
  positionToken,
  requirePositionToken,
} from './eventstore/positions.js';
export { readBoundedEventEnvelopes, readEventEnvelopePage, readEventEnvelopes } from './eventstore/read-stream.js';
// Rules every context shares: ids that go into stream names and keys, exact amounts of money.
export { optionalId, requireId } from './ids.js';
export type { Logger } from './logger.js';
export {
  checkAmount,
  formatMinorUnits,
  fractionDigits,
  type MinorUnitSum,
  type MinorUnits,
  maxAmountPerCommand,
  parseAmount,
} from './money.js';
// Process managers: a context's sagas, reacting to events with commands (docs/ARCHITECTURE.md).
export {
  type ProcessManager,
  type ProcessStep,
  processManagerRole,
  processManagerUser,
  processStep,
  type StepCommand,
} from './process-managers/process-manager.js';
export { assertDistinctRunnerNames } from './process-managers/runner-names.js';
// The read side: the projection contract and its op builders, and how queries read what it wrote.
export { defaultFailurePolicy, type FailurePolicy, failurePolicy } from './projections/failure-policy.js';
export type { KeySpace } from './projections/keys.js';
export { type LiveFeedOptions, liveFeed } from './projections/live-feed.js';
export {
  addLogOrdered,
  isLogSortKey,
  type LogOrderedEntry,
  type LogOrderedRange,
  logSortKey,
  readLogOrdered,
} from './projections/log-ordered-set.js';
export {
  decodeCursor,
  defaultPageSize,
  encodeCursor,
  maxPageSize,
  type Page,
  pageOf,
  pageSize,
} from './projections/pages.js';
export {
  del,
  hDel,
  hIncrBy,
  hSet,
  incrBy,
  lPush,
  notify,
  type Projection,
  type RedisOp,
  sAdd,
  set,
  sRem,
  zAdd,
  zRem,
} from './projections/projection.js';
export { ReadModels } from './projections/read-models.js';
export type { ProjectionReport } from './projections/runner/projection-report.js';
// Redis, for the few context services that read beside ReadModels.
export type { RedisClient } from './redis/client.js';
export { asServiceUnavailable } from './redis/connection-errors.js';
