import type { Cluster } from './cluster.js';
import type { Check } from './oracle.js';
import type { Workload } from './workload.js';

/** What a row's fault gets to work with while the load runs. */
export interface FaultContext {
  readonly cluster: Cluster;
  readonly workload: Workload;
  /** Resolves once `count` more mutations were acknowledged; throws after `timeoutMs`. */
  moreAcks(count: number, what: string, timeoutMs?: number): Promise<void>;
  /** How many acknowledgements a phase of this run waits for (fewer in the short run). */
  readonly phaseAcks: number;
}

/** The row-specific checks of a fault, and any that can only be judged once the row has settled. */
export interface FaultResult {
  readonly checks: Check[];
  readonly afterSettling?: () => Promise<Check[]>;
}

export interface Row {
  /** The fault, as the table prints it. */
  readonly fault: string;
  readonly cluster: () => Promise<Cluster>;
  /** Injects the fault (the load is running) and recovers from it. */
  readonly inject: (context: FaultContext) => Promise<FaultResult>;
  /** Only deposits, and this many more of them than the default (rows that need many transactions). */
  readonly depositsOnly?: boolean;
}
