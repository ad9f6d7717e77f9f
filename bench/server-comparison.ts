import { mainThreadOf } from './cpu.js';
import { DEPOSIT } from './deposits.js';
import { type Contender, dataOf, type GraphQLPost, type LoadResult, median, pooled, runInterleaved } from './load.js';
import { cpuProfileArgs, deoptLogArgs } from './processes.js';

/*
 * What the benchmarks that set esgraph servers side by side, each differing in one setting
 * (bench:edge, bench:observability), share: the query they read with, how they wait for the
 * read models, and how one contender's rounds compare with its baseline's.
 */

/** Rounds each contender runs, and how long each lasts (`BENCH_ROUNDS`, `BENCH_ROUND_MS`). */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2_000);
/** A bound on each round's count besides its time; far above what 64 clients reach here. */
export const MAX_OPERATIONS_PER_ROUND = Number(process.env.BENCH_MAX_OPERATIONS_PER_ROUND ?? 200_000);

export const ACCOUNT = 'query Account($id: ID!) { account(id: $id) { id balance status revision } }';
const PROJECTIONS = 'query { projections { name lagEvents } }';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (at most a minute) until every read model has applied everything. */
export const waitUntilProjected = async (post: GraphQLPost): Promise<void> => {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { projections } = dataOf<{ projections: { lagEvents: number }[] }>(await post(PROJECTIONS, {}));
    if (projections.length > 0 && projections.every((projection) => projection.lagEvents === 0)) return;
    await sleep(200);
  }
  throw new Error('the read models did not catch up within 60 s');
};

/** One `account(id)` read that fails unless the account is found. */
export const readAccount = (post: GraphQLPost, id: string) => async () => {
  const { account } = dataOf<{ account: { id: string } | null }>(await post(ACCOUNT, { id }));
  if (!account) throw new Error(`account ${id} was not found`);
};

export const anyOf = (ids: readonly string[]) => () => ids[Math.floor(Math.random() * ids.length)]!;

/** An operation for a contender: `account(id)` of one of `ids`, picked at random each time. */
export const readingAnyOf = (post: GraphQLPost, ids: readonly string[]) => {
  const anyId = anyOf(ids);
  return () => readAccount(post, anyId())();
};

/** An operation for a contender: a 1.00 deposit into one of `accounts`, picked at random each time. */
export const depositingIntoAnyOf = (post: GraphQLPost, accounts: readonly string[]) => {
  const anyAccount = anyOf(accounts);
  return async () => {
    dataOf(await post(DEPOSIT, { input: { accountId: anyAccount(), amount: '1.00' } }));
  };
};

/** A contender of `concurrency` clients sending `operation` to one esgraph server, whose CPU the rounds record. */
export const serverContender = (
  name: string,
  server: { child: { pid?: number | undefined } },
  operation: () => Promise<void>,
  concurrency: number,
): Contender => ({
  name,
  concurrency,
  operation,
  maxOperations: MAX_OPERATIONS_PER_ROUND,
  watch: { esgraph: server.child.pid },
});

/** A run's esgraph CPU per operation, in microseconds. */
export const esgraphCpuPerOperation = (result: LoadResult, name = 'esgraph'): number =>
  Math.round(((result.cpuSeconds[name] ?? 0) / result.operations) * 1e6);

/** One contender's runs against another's: ratio of rates, and what latency and server CPU did. */
export const compare = (runs: readonly LoadResult[], baseline: readonly LoadResult[]): string => {
  const ratios = runs.map((run, round) => run.perSecond / baseline[round]!.perSecond);
  const [after, before] = [pooled(runs), pooled(baseline)];
  const main = mainThreadOf('esgraph');
  // CPU per operation round by round too: it moves less than the rate with the machine's other work.
  const cpuRatios = runs.map(
    (run, round) => esgraphCpuPerOperation(run, main) / esgraphCpuPerOperation(baseline[round]!, main),
  );
  return [
    spread(ratios),
    `p50 ${before.p50Ms.toFixed(2)} -> ${after.p50Ms.toFixed(2)} ms`,
    `p99 ${before.p99Ms.toFixed(2)} -> ${after.p99Ms.toFixed(2)} ms`,
    `esgraph CPU ${esgraphCpuPerOperation(before)} -> ${esgraphCpuPerOperation(after)} us/op`,
    `main thread ${esgraphCpuPerOperation(before, main)} -> ${esgraphCpuPerOperation(after, main)} us/op`,
    `main thread CPU ratio ${spread(cpuRatios)}`,
  ].join(', ');
};

/**
 * The median of rounds' ratios, their range and their middle half: where the ratio sits once the
 * worst-disturbed rounds are set aside.
 */
const spread = (ratios: readonly number[]): string => {
  const sorted = [...ratios].sort((a, b) => a - b);
  const quartile = (fraction: number) => sorted[Math.floor((sorted.length - 1) * fraction)]!.toFixed(2);
  return `${median(ratios).toFixed(2)} (rounds ${sorted[0]!.toFixed(2)}-${sorted.at(-1)!.toFixed(2)}, middle half ${quartile(0.25)}-${quartile(0.75)})`;
};

/**
 * `--cpu-prof` into <PROFILE_DIR>/<setUp> for a server's node, when PROFILE_DIR is set (written
 * when it stops); V8's deoptimisations into <DEOPT_LOG_DIR>/<setUp>-<pid>.log, when that is set.
 */
export const profiled = (setUp: string): string[] => [
  ...cpuProfileArgs(process.env.PROFILE_DIR, setUp),
  ...deoptLogArgs(process.env.DEOPT_LOG_DIR, setUp),
];

/**
 * `runInterleaved`, with the contenders' order turned by one each round: whoever runs right after
 * another contender's deposits meets the projector and the event store still busy with them, so
 * a fixed order would charge that to the same contender every round. With `settle`, each run
 * waits for it first (`waitUntilProjected`, say), so none inherits another's backlog at all.
 * `firstTurn` starts the turning further on (a caller running one round at a time passes its round).
 */
export const runRotated = async (
  contenders: readonly Contender[],
  rounds: number,
  roundMs: number,
  settle?: () => Promise<void>,
  firstTurn = 0,
): Promise<LoadResult[][]> => {
  const runs: LoadResult[][] = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < contenders.length; turn++) {
      const index = (turn + round + firstTurn) % contenders.length;
      await settle?.();
      const [[result]] = (await runInterleaved([contenders[index]!], 1, roundMs)) as [[LoadResult]];
      runs[index]!.push(result);
    }
  }
  return runs;
};
