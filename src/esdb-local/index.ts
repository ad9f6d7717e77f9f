/**
 * esdb-local: an embedded server that speaks EventStoreDB's gRPC protocol, so the official
 * @eventstore/db-client works against it unchanged. Durable on disk by default, in memory on request.
 */

export { DirectoryInUseError, type LockOptions, lockDirectory } from './dir-lock.js';
export { currentProcess, isStillRunning, type ProcessIdentity } from './process-identity.js';
export { type EsdbLocal, type EsdbLocalOptions, startEsdbLocal } from './start.js';
