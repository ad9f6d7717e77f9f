import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { benchAuthorization } from './bench-identity.js';
import { cpuMeter, type WatchedProcesses } from './cpu.js';

/** What one measured run did. */
export interface LoadResult {
  readonly name: string;
  readonly concurrency: number;
  readonly operations: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU seconds each watched process used while the run was measured. */
  readonly cpuSeconds: Readonly<Record<string, number>>;
}

export const percentile = (sorted: readonly number[], fraction: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;

/**
 * Runs `operation` from `concurrency` loops for `durationMs` (after a short warm-up that is not
 * counted), recording each call's latency. A call that throws counts as an error. The measured
 * run also ends after `maxOperations` calls, so a server that answers far faster than expected
 * (errors, say) cannot run it away.
 */
export const runLoad = async (
  name: string,
  concurrency: number,
  durationMs: number,
  operation: (worker: number, iteration: number) => Promise<void>,
  {
    warmUpMs = 500,
    watch = {},
    maxOperations = Number.POSITIVE_INFINITY,
  }: { warmUpMs?: number; watch?: WatchedProcesses; maxOperations?: number } = {},
): Promise<LoadResult> => {
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  const warmUpEnds = Date.now() + warmUpMs;
  let stopAt = Number.POSITIVE_INFINITY;
  let started = 0n;
  let cpuUsed = (): Record<string, number> => ({});
  const worker = async (index: number): Promise<void> => {
    for (let iteration = 0; ; iteration++) {
      const now = Date.now();
      if (now >= stopAt || latencies.length + errors >= maxOperations) return;
      if (!measuring && now >= warmUpEnds) {
        measuring = true;
        started = process.hrtime.bigint();
        cpuUsed = cpuMeter({ bench: process.pid, ...watch });
        stopAt = now + durationMs;
      }
      const begin = process.hrtime.bigint();
      try {
        await operation(index, iteration);
        if (measuring) latencies.push(Number(process.hrtime.bigint() - begin) / 1e6);
      } catch (error) {
        if (measuring) errors++;
        if (errors === 1 && measuring) console.error(`${name}: first error:`, error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  const cpuSeconds = cpuUsed();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    name,
    concurrency,
    operations: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    cpuSeconds,
  };
};

export const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export interface Contender {
  readonly name: string;
  readonly concurrency: number;
  readonly operation: () => Promise<void>;
  /** The servers that do this contender's work, to report the CPU each spends per operation. */
  readonly watch?: WatchedProcesses;
  /** Most operations one round measures (see runLoad); unbounded in count when absent. */
  readonly maxOperations?: number;
}

/**
 * Runs each contender `rounds` times for `roundMs`, taking turns, so that the shared machine's
 * slow and fast spells fall on all of them alike: compare contenders round by round.
 */
export const runInterleaved = async (
  contenders: readonly Contender[],
  rounds: number,
  roundMs: number,
): Promise<LoadResult[][]> => {
  const runs: LoadResult[][] = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, { name, concurrency, operation, watch, maxOperations }] of contenders.entries()) {
      const options = { ...(watch ? { watch } : {}), ...(maxOperations === undefined ? {} : { maxOperations }) };
      runs[index]!.push(await runLoad(name, concurrency, roundMs, operation, options));
    }
  }
  return runs;
};

/** Several runs of one contender as one: total rate, and the median run's latencies. */
export const pooled = (runs: readonly LoadResult[]): LoadResult => {
  const operations = runs.reduce((sum, run) => sum + run.operations, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  return {
    name: runs[0]!.name,
    concurrency: runs[0]!.concurrency,
    operations,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    seconds,
    perSecond: operations / seconds,
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    cpuSeconds: sumByName(runs.map((run) => run.cpuSeconds)),
  };
};

const sumByName = (records: readonly Readonly<Record<string, number>>[]): Record<string, number> => {
  const sums: Record<string, number> = {};
  for (const record of records)
    for (const [name, value] of Object.entries(record)) sums[name] = (sums[name] ?? 0) + value;
  return sums;
};

/** CPU per operation, by process: `esgraph 540 µs, esdb-local 200 µs, bench 140 µs`. */
const cpuPerOperation = (result: LoadResult): string =>
  Object.entries(result.cpuSeconds)
    .map(([name, seconds]) => `${name} ${Math.round((seconds / Math.max(1, result.operations)) * 1e6)} µs`)
    .join(', ');

/** The ratio of two contenders taking turns: the median of their rounds' own ratios. */
export const medianRatio = (runs: readonly LoadResult[], baseline: readonly LoadResult[]): number =>
  median(runs.map((run, round) => run.perSecond / baseline[round]!.perSecond));

export interface GraphQLResult {
  readonly data?: unknown;
  readonly errors?: unknown[];
}

export type GraphQLPost = (query: string, variables: Record<string, unknown>) => Promise<GraphQLResult>;

/** The result's data; a result with errors throws, so a run counts it as an error. */
export const dataOf = <T = unknown>(result: GraphQLResult): T => {
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
};

/**
 * A GraphQL-over-HTTP client on kept-alive connections, lighter than fetch for load generation.
 * It sends the staff token unless given another `Authorization` value, or `false` for none.
 */
export const graphqlClient = (
  url: string,
  connections: number,
  authorization: string | false = benchAuthorization,
): GraphQLPost => {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const { hostname, port, pathname } = new URL(url);
  return (query, variables) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ query, variables });
      const req = request(
        {
          agent,
          hostname,
          port,
          path: pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(authorization === false ? {} : { authorization }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as GraphQLResult);
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
};

/** Prints results as a table and writes them as JSON under bench/results/. */
export const report = (benchmark: string, results: readonly LoadResult[], extra: Record<string, unknown> = {}) => {
  console.table(
    results.map((result) => ({
      run: result.name,
      concurrency: result.concurrency,
      'ops/s': Math.round(result.perSecond),
      'p50 ms': result.p50Ms.toFixed(2),
      'p99 ms': result.p99Ms.toFixed(2),
      errors: result.errors,
      'CPU per op': cpuPerOperation(result),
    })),
  );
  for (const [key, value] of Object.entries(extra)) console.log(`${key}: ${value}`);
  const dir = new URL('../../bench/results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${benchmark}-${new Date().toISOString().replaceAll(':', '-')}.json`, dir);
  writeFileSync(file, `${JSON.stringify({ benchmark, at: new Date().toISOString(), results, ...extra }, null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
};
