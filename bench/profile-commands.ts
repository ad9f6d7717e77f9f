import { randomUUID } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import { startEmbeddedRedis } from '../src/core/redis/embedded-redis.js';
import { DEPOSIT, openAccounts } from './deposits.js';
import { type Contender, dataOf, graphqlClient, type LoadResult, median, runInterleaved } from './load.js';
import { cpuProfileArgs, startBareAppendProcess, startEsdbLocalProcess, startEsgraphProcess } from './processes.js';

/*
 * node dist-bench/bench/profile-commands.js — the CPU each deposit costs esgraph's server against
 * the bare Apollo Server floor (bench/bare-append-server.ts), 64 clients over 1,000 accounts,
 * taking turns round by round. CPU time per operation (from /proc) moves far less on a shared
 * machine than throughput does, so this is the figure to judge an optimisation by.
 *   BASELINE_DIST=<dir>,…  also runs other builds of esgraph (copies of earlier `dist/`s, kept
 *                        under dist-bench/ so that they resolve node_modules, each with package.json
 *                        one level above it), so changes are measured before and after in one session;
 *   PROFILE_DIR=<dir>    runs the servers under `node --cpu-prof`, one profile each in
 *                        <dir>/<contender> when they stop; compare them by self time and subtree.
 * Each esgraph has accounts of its own, and the floor streams of its own.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 3_000);
const ACCOUNTS = 1_000;
const profileDir = process.env.PROFILE_DIR;
const baselineDists = process.env.BASELINE_DIST?.split(',').filter(Boolean) ?? [];

const profiled = (name: string): string[] => cpuProfileArgs(profileDir, name);

const accountIds = () => Array.from({ length: ACCOUNTS }, () => randomUUID());
const anyOf = (ids: readonly string[]) => () => ids[Math.floor(Math.random() * ids.length)]!;

const esdb = await startEsdbLocalProcess();
const redis = await startEmbeddedRedis();
const esgraphEnv = {
  EVENTSTORE_CONNECTION_STRING: esdb.connectionString,
  REDIS_URL: redis.url,
  SERVICE_ROLES: 'command,query',
};
const servers = [
  { name: 'esgraph', ...(await startEsgraphProcess(esgraphEnv, profiled('esgraph'))), accounts: accountIds() },
  ...(await Promise.all(
    baselineDists.map(async (dist) => {
      const name = `esgraph ${basename(dirname(resolve(dist)))}`;
      const started = await startEsgraphProcess(esgraphEnv, profiled(name.replace(' ', '-')), resolve(dist));
      return { name, ...started, accounts: accountIds() };
    }),
  )),
  {
    name: 'bare Apollo Server, append only',
    ...(await startBareAppendProcess('graphql', esdb.connectionString, profiled('bare-apollo'))),
    accounts: undefined,
  },
];
try {
  const contenders: Contender[] = [];
  // Every deposit each server answered, warm-ups included: what divides a profile's deposit path.
  const deposits = new Map<string, number>();
  for (const server of servers) {
    const post = graphqlClient(server.url, 64);
    if (server.accounts) await openAccounts(post, server.accounts);
    const account = anyOf(server.accounts ?? accountIds());
    contenders.push({
      name: server.name,
      concurrency: 64,
      operation: async () => {
        dataOf(await post(DEPOSIT, { input: { accountId: account(), amount: '1.00' } }));
        deposits.set(server.name, (deposits.get(server.name) ?? 0) + 1);
      },
      watch: { server: server.child.pid, 'esdb-local': esdb.child.pid },
    });
  }
  // One round each first, uncounted: until the JIT has compiled the path, CPU per deposit is double.
  await runInterleaved(contenders, 1, ROUND_MS);
  const runs = await runInterleaved(contenders, ROUNDS, ROUND_MS);
  const microsPerOp = (run: LoadResult, name: string) => ((run.cpuSeconds[name] ?? 0) / run.operations) * 1e6;
  const summary = (of: readonly LoadResult[], name: string): string => {
    const values = of.map((run) => microsPerOp(run, name));
    return `median ${median(values).toFixed(0)} µs (${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)})`;
  };
  const floor = runs.at(-1)!;
  for (const [index, server] of servers.entries()) {
    const own = runs[index]!;
    // Within a round the machine is about as busy for each contender: compare round by round.
    const cpuRatios = own.map((run, round) => microsPerOp(run, 'server') / microsPerOp(floor[round]!, 'server'));
    const rateRatios = own.map((run, round) => run.perSecond / floor[round]!.perSecond);
    console.log(
      `${server.name}: server CPU per deposit ${summary(own, 'server')}, esdb-local ${summary(own, 'esdb-local')}; ` +
        `server CPU / floor's by round ${cpuRatios.map((r) => r.toFixed(2)).join(' ')} (median ${median(cpuRatios).toFixed(2)}); ` +
        `ops/s ${own.map((run) => Math.round(run.perSecond)).join(' ')}, / floor's median ${median(rateRatios).toFixed(2)}; ` +
        `errors ${own.reduce((sum, run) => sum + run.errors, 0)}; deposits answered in all ${deposits.get(server.name)}`,
    );
  }
} finally {
  for (const server of servers) await server.stop();
  await redis.stop();
  await esdb.stop();
}
