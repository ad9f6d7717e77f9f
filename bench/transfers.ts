import { randomUUID } from 'node:crypto';
import { startEmbeddedRedis } from '../src/core/redis/embedded-redis.js';
import { DEPOSIT, openAccounts } from './deposits.js';
import { dataOf, type GraphQLPost, graphqlClient, medianRatio, pooled, report, runInterleaved } from './load.js';
import { cpuProfileArgs, startEsdbLocalProcess, startEsgraphProcess } from './processes.js';

/*
 * npm run bench:transfers — completed transfers per second, end to end, beside the deposits of
 * the same server in the same run. One esgraph in a child process with its default roles
 * (command, query, projector: the read models and the transfers' process manager run in it),
 * esdb-local on disk with fsync, a private redis-server.
 *
 * A transfer is timed from sending the `transfer` mutation until its client has the transfer
 * COMPLETED from the read model: the mutation, then `transfer(id, consistentWith, awaitSettlement:
 * true)`, which the server answers once the transfers read model shows the transfer settled (it
 * re-reads on each change the projection announces; no polling on either side). That is what a
 * client that wants the outcome does, and it costs one request more than a subscription would,
 * with no socket to set up before the mutation. A transfer that FAILED, or was not settled within
 * the server's CONSISTENCY_TIMEOUT_MS, counts as an error of its round, not as completed.
 *
 * Deposits and transfers take turns in rounds, 64 clients each over the same 1,000 funded
 * accounts; the ratio is the median of the rounds' own ratios. At the end the money is counted:
 * every transfer sent is settled, the accounts' balances sum to what was deposited, and the
 * bank's totals agree, so the rate counts only transfers that really moved their money.
 *   PROFILE_DIR=<dir>     runs esgraph under `node --cpu-prof`, its profile in <dir>/esgraph when it stops.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 3_000);
const MAX_PER_ROUND = 20_000;
const ACCOUNTS = 1_000;
/** Clients of each round: 64 is the figure to report; more show whether transfers are bound by latency. */
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);
/** Each account's funding, in cents: far more than the one-euro transfers can take from it in a run. */
const FUNDING_CENTS = 1_000_000;
const AMOUNT = '1.00';

const TRANSFER = `mutation Transfer($input: TransferInput!) { transfer(input: $input) { transferId position } }`;
const SETTLED = `query Settled($id: ID!, $after: String) {
  transfer(id: $id, consistentWith: $after, awaitSettlement: true) { status reason }
}`;
const BALANCE = 'query Balance($id: ID!) { account(id: $id) { balance } }';
const STATS = 'query { bankStats { totals { currency balance deposited inTransit transferred } } }';
const PROJECTIONS = 'query { projections { name lagEvents } }';

const stage = (text: string): void => console.error(`[bench:transfers] ${text}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Money as the API writes it ("12.34") in cents, exactly. */
const cents = (money: string): number => {
  const [units, fraction = ''] = money.split('.');
  return Number(units) * 100 + Number(fraction.padEnd(2, '0'));
};

interface Settled {
  readonly transfer: { status: string; reason: string | null } | null;
}

const esdb = await startEsdbLocalProcess();
const redis = await startEmbeddedRedis();
const esgraph = await startEsgraphProcess(
  { EVENTSTORE_CONNECTION_STRING: esdb.connectionString, REDIS_URL: redis.url },
  cpuProfileArgs(process.env.PROFILE_DIR, 'esgraph'),
);
try {
  const post = graphqlClient(esgraph.url, CLIENTS);
  const accounts = Array.from({ length: ACCOUNTS }, () => randomUUID());
  await openAccounts(post, accounts);
  await forEachAccount(accounts, async (accountId) => {
    dataOf(await post(DEPOSIT, { input: { accountId, amount: (FUNDING_CENTS / 100).toFixed(2) } }));
  });
  stage(`opened and funded ${ACCOUNTS} accounts`);
  const anyAccount = () => accounts[Math.floor(Math.random() * ACCOUNTS)]!;

  // Every deposit and transfer the server acknowledged, warm-ups and errors included: what the count at the end expects.
  let deposited = 0;
  const sent: string[] = [];
  let failed = 0;
  const deposit = async () => {
    dataOf(await post(DEPOSIT, { input: { accountId: anyAccount(), amount: AMOUNT } }));
    deposited++;
  };
  const transfer = async () => {
    const fromAccountId = anyAccount();
    let toAccountId = anyAccount();
    while (toAccountId === fromAccountId) toAccountId = anyAccount();
    const { transfer: result } = dataOf<{ transfer: { transferId: string; position: string } }>(
      await post(TRANSFER, { input: { fromAccountId, toAccountId, amount: AMOUNT } }),
    );
    sent.push(result.transferId);
    const { transfer: settled } = dataOf<Settled>(
      await post(SETTLED, { id: result.transferId, after: result.position }),
    );
    if (settled?.status === 'FAILED') failed++;
    if (settled?.status !== 'COMPLETED') throw new Error(`transfer ${result.transferId}: ${JSON.stringify(settled)}`);
  };

  const watch = { esgraph: esgraph.child.pid, 'esdb-local': esdb.child.pid, 'redis-server': redis.pid };
  const [depositRuns, transferRuns] = await runInterleaved(
    [
      {
        name: 'deposit, 1,000 accounts',
        concurrency: CLIENTS,
        operation: deposit,
        watch,
        maxOperations: MAX_PER_ROUND,
      },
      {
        name: 'transfer to COMPLETED, 1,000 accounts',
        concurrency: CLIENTS,
        operation: transfer,
        watch,
        maxOperations: MAX_PER_ROUND,
      },
    ],
    ROUNDS,
    ROUND_MS,
  );
  for (const [round, run] of transferRuns!.entries()) {
    const deposits = depositRuns![round]!;
    stage(
      `round ${round + 1}: ${Math.round(run.perSecond)} transfers/s (p50 ${run.p50Ms.toFixed(0)} ms, p99 ${run.p99Ms.toFixed(0)} ms, ` +
        `${run.errors} errors), ${Math.round(deposits.perSecond)} deposits/s: ${(run.perSecond / deposits.perSecond).toFixed(3)}`,
    );
  }

  stage('counting the money');
  const counted = await countTheMoney(post, accounts, sent);
  const expectedCents = ACCOUNTS * FUNDING_CENTS + deposited * cents(AMOUNT);
  const conserved =
    counted.pending === 0 &&
    counted.balancesCents === expectedCents &&
    counted.stats.balance === expectedCents &&
    counted.stats.deposited === expectedCents &&
    counted.stats.inTransit === 0 &&
    counted.stats.transferred === counted.completed * cents(AMOUNT);
  const ratio = medianRatio(transferRuns!, depositRuns!);
  report('transfers', [pooled(depositRuns!), pooled(transferRuns!)], {
    'completed transfers/s / deposits/s, median of rounds': `${ratio.toFixed(3)} (target >= 0.2)`,
    'per round (transfers/s / deposits/s)': transferRuns!
      .map((run, round) => `${Math.round(run.perSecond)}/${Math.round(depositRuns![round]!.perSecond)}`)
      .join(', '),
    'transfers sent (warm-ups included)': sent.length,
    'transfers COMPLETED / FAILED / still PENDING at the end': `${counted.completed} / ${failed} seen FAILED in rounds, ${counted.failed} at the end / ${counted.pending}`,
    'money conserved': conserved
      ? `yes: balances sum to ${expectedCents / 100} EUR deposited, none in transit, transferred = ${counted.completed} x ${AMOUNT}`
      : `NO: ${JSON.stringify({ expectedCents, ...counted })}`,
    rounds: `${ROUNDS} x ${ROUND_MS / 1000} s each, ${CLIENTS} clients`,
  });
  if (!conserved) process.exitCode = 1;
} finally {
  await esgraph.stop();
  await redis.stop();
  await esdb.stop();
}

/** Runs `each` for every account, `CLIENTS` at a time. */
async function forEachAccount(accounts: readonly string[], each: (accountId: string) => Promise<void>): Promise<void> {
  for (let index = 0; index < accounts.length; index += CLIENTS) {
    await Promise.all(accounts.slice(index, index + CLIENTS).map(each));
  }
}

/**
 * Settles every transfer sent (waiting on any a round gave up on), waits for every read model
 * and process manager to reach the head of the log, then adds up the accounts and the bank.
 */
async function countTheMoney(post: GraphQLPost, accounts: readonly string[], transferIds: readonly string[]) {
  let completed = 0;
  let failed = 0;
  let pending = 0;
  for (let index = 0; index < transferIds.length; index += CLIENTS) {
    await Promise.all(
      transferIds.slice(index, index + CLIENTS).map(async (id) => {
        const { transfer } = dataOf<Settled>(await post(SETTLED, { id }));
        if (transfer?.status === 'COMPLETED') completed++;
        else if (transfer?.status === 'FAILED') failed++;
        else pending++;
      }),
    );
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { projections } = dataOf<{ projections: { name: string; lagEvents: number }[] }>(await post(PROJECTIONS, {}));
    if (projections.every((projection) => projection.lagEvents === 0)) break;
    if (Date.now() > deadline) throw new Error(`the read models did not catch up: ${JSON.stringify(projections)}`);
    await sleep(200);
  }
  let balancesCents = 0;
  await forEachAccount(accounts, async (id) => {
    const { account } = dataOf<{ account: { balance: string } | null }>(await post(BALANCE, { id }));
    balancesCents += cents(account?.balance ?? 'NaN');
  });
  const { bankStats } = dataOf<{ bankStats: { totals: Record<string, string>[] } }>(await post(STATS, {}));
  const eur = bankStats.totals.find((total) => total.currency === 'EUR') ?? {};
  const stats = Object.fromEntries(
    ['balance', 'deposited', 'inTransit', 'transferred'].map((field) => [field, cents(eur[field] ?? 'NaN')]),
  );
  return { completed, failed, pending, balancesCents, stats };
}
