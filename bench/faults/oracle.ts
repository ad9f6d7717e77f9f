import { connect } from 'node:net';
import { FORWARDS, START } from '@eventstore/db-client';
import { connectEventStore } from '../../src/core/eventstore/client.js';
import { toEventEnvelope } from '../../src/core/eventstore/event-envelope.js';
import { createLogger } from '../../src/core/logger.js';
import { readActiveVersion } from '../../src/core/projections/active-version.js';
import { checkpointKey } from '../../src/core/projections/keys.js';
import { Projector } from '../../src/core/projections/runner/projector.js';
import { connectRedis } from '../../src/core/redis/client.js';
import { startEmbeddedRedis } from '../../src/core/redis/embedded-redis.js';
import { domainProjections } from '../../src/domains/index.js';
import { dumpBuild } from '../../test/support/read-model-dump.js';
import { waitFor } from '../../test/support/wait-for.js';
import { query } from './graphql.js';
import type { ResumingSubscriber } from './subscriber.js';
import type { AckedMutation, WrongfulRefusal } from './workload.js';

/*
 * The oracle every row ends with, after its fault and recovery, with the load stopped:
 *   (a) every acknowledged mutation is in the log, where its answer said, with its commandId;
 *   (b) every read model equals a rebuild of it from the log into a fresh Redis;
 *   (c) per currency, the balances sum to deposits minus withdrawals (less what transfers hold
 *       in transit), in the accounts and in bankStats, and each account equals the fold of its
 *       stream, every balanceAfter on the way included, never below zero;
 *   (d) each resumed subscriber saw every transaction after its first `since` once, in log order;
 *   (e) no command was refused on a state the acknowledged history rules out.
 * The log is read through @eventstore/db-client, as any client would.
 */

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface LogEvent {
  readonly id: string;
  readonly type: string;
  readonly streamName: string;
  readonly revision: bigint;
  readonly position: bigint;
  readonly data: Record<string, unknown>;
  readonly commandId: unknown;
}

/** The accounts' and transfers' events of the whole log, in log order. */
const loggedStream = /^(account|transfer)-/;

export const readLog = async (connectionString: string): Promise<LogEvent[]> => {
  const client = connectEventStore(connectionString);
  const events: LogEvent[] = [];
  try {
    for await (const resolved of client.readAll({ direction: FORWARDS, fromPosition: START, maxCount: 10_000_000 })) {
      const stored = toEventEnvelope(resolved);
      if (stored === undefined || stored.type.startsWith('$') || !loggedStream.test(stored.streamName)) continue;
      events.push({
        id: stored.id,
        type: stored.type,
        streamName: stored.streamName,
        revision: stored.revision,
        position: stored.position,
        data: stored.data as Record<string, unknown>,
        commandId: stored.metadata.commandId,
      });
    }
  } finally {
    await client.dispose();
  }
  return events;
};

const eventTypeOf: Record<AckedMutation['kind'], string> = {
  openAccount: 'AccountOpened',
  deposit: 'MoneyDeposited',
  withdraw: 'MoneyWithdrawn',
  closeAccount: 'AccountClosed',
};

/** The first two problems, and how many more. */
export const first = (problems: readonly string[]): string =>
  problems.slice(0, 2).join('; ') + (problems.length > 2 ? `; and ${problems.length - 2} more` : '');

/** (a) */
export const acknowledgedInLog = (acked: readonly AckedMutation[], log: readonly LogEvent[]): Check => {
  const byRevision = new Map(log.map((event) => [`${event.streamName}@${event.revision}`, event]));
  const problems: string[] = [];
  for (const mutation of acked) {
    const event = byRevision.get(`${mutation.streamName}@${mutation.streamRevision}`);
    const what = `${mutation.kind} ${mutation.accountId} (revision ${mutation.streamRevision})`;
    if (event === undefined) problems.push(`${what} is not in the log`);
    else if (event.position.toString() !== mutation.position) {
      problems.push(`${what} answered position ${mutation.position}, the log has it at ${event.position}`);
    } else if (event.type !== eventTypeOf[mutation.kind]) problems.push(`${what} is a ${event.type} in the log`);
    else if (mutation.commandId !== undefined && event.commandId !== mutation.commandId) {
      problems.push(`${what} carries commandId ${String(event.commandId)}, not ${mutation.commandId}`);
    } else if (mutation.amount !== undefined && event.data.amount !== mutation.amount) {
      problems.push(`${what} moved ${String(event.data.amount)}, not ${mutation.amount}`);
    }
  }
  return {
    name: 'acked in log',
    ok: problems.length === 0 && acked.length > 0,
    detail:
      problems.length === 0
        ? `${acked.length} of ${acked.length} acknowledged mutations in the log`
        : `${problems.length} of ${acked.length} wrong: ${first(problems)}`,
  };
};

/**
 * Waits until every read model has applied the whole log (what the node itself reports), and
 * with `processManagers`, every process manager too, in the same answer: what a process manager
 * appends is more for the read models to apply.
 */
export const settle = async (queryUrl: string, timeoutMs = 20_000, { processManagers = false } = {}): Promise<void> => {
  await waitFor(
    processManagers
      ? 'every read model and process manager to reach the head'
      : 'every read model to apply the whole log',
    async () => {
      const answer = await query<{ projections: { kind: string; activeBuild: number | null; lagEvents: number }[] }>(
        queryUrl,
        '{ projections { kind activeBuild lagEvents } }',
      );
      // A process manager has no build.
      const projections = answer.projections.filter((p) => p.kind === 'PROJECTION');
      const followers = processManagers ? answer.projections : projections;
      return (
        projections.length > 0 &&
        projections.every((p) => p.activeBuild !== null) &&
        followers.every((p) => p.lagEvents === 0)
      );
    },
    { timeoutMs, intervalMs: 100 },
  );
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const describeDiff = (live: Record<string, unknown>, rebuilt: Record<string, unknown>): string[] => {
  const problems: string[] = [];
  for (const key of new Set([...Object.keys(live), ...Object.keys(rebuilt)])) {
    const [a, b] = [live[key], rebuilt[key]];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (isRecord(a) && isRecord(b)) {
      // A hash: name only the fields that differ.
      const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((field) => a[field] !== b[field]);
      problems.push(
        `${key} ${fields.map((field) => `${field}=${String(a[field])} (rebuilt ${String(b[field])})`).join(' ')}`,
      );
    } else {
      problems.push(
        `${key}: ${JSON.stringify(a)?.slice(0, 80) ?? 'missing'} (rebuilt ${JSON.stringify(b)?.slice(0, 80) ?? 'missing'})`,
      );
    }
  }
  return problems;
};

/**
 * Whether a Redis answers PING within `timeoutMs`. node-redis's connect retries for ever, so the
 * oracle asks first rather than hang on a Redis that is gone.
 */
const redisAnswers = (url: string, timeoutMs = 2_000): Promise<boolean> =>
  new Promise((resolve) => {
    const { hostname, port, password } = new URL(url);
    const socket = connect(Number(port), hostname);
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    // An embedded redis-server requires its password (in the URL) before it answers anything.
    const auth = password === '' ? '' : `AUTH ${decodeURIComponent(password)}\r\n`;
    const expected = password === '' ? '+PONG\r\n' : '+OK\r\n+PONG\r\n';
    socket.once('connect', () => socket.write(`${auth}PING\r\n`));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.length >= expected.length || !expected.startsWith(answer)) done(answer.startsWith(expected));
    });
  });

/** (b): each projection rebuilt from the log into a fresh redis-server, compared key by key with the live one. */
export const readModelsEqualRebuild = async (liveRedisUrl: string, connectionString: string): Promise<Check> => {
  if (!(await redisAnswers(liveRedisUrl))) {
    return { name: 'read models = rebuild', ok: false, detail: `the live Redis (${liveRedisUrl}) does not answer` };
  }
  const [live, freshServer] = await Promise.all([connectRedis(liveRedisUrl), startEmbeddedRedis()]);
  const fresh = await connectRedis(freshServer.url);
  const eventStore = connectEventStore(connectionString);
  // A projector of our own on the empty Redis builds every read model from the start of the log;
  // with nothing active there, its first builds serve at once, so "caught up" is judged here:
  // each has applied what the live build applied (the row has settled, so that is the whole log).
  const projector = new Projector({ eventStore, redis: fresh, log: createLogger('silent') }, domainProjections());
  const problems: string[] = [];
  let keys = 0;
  try {
    projector.start();
    for (const projection of domainProjections()) {
      const active = await readActiveVersion(live, projection.name);
      const target =
        active === undefined ? null : await live.get(checkpointKey({ name: projection.name, version: active }));
      if (active === undefined || target === null) {
        problems.push(`${projection.name} has no active build with a checkpoint`);
        continue;
      }
      const build = await waitFor(
        `the rebuild of ${projection.name} to reach ${target}`,
        async () => {
          const version = await readActiveVersion(fresh, projection.name);
          const at = version === undefined ? null : await fresh.get(checkpointKey({ name: projection.name, version }));
          return at !== null && BigInt(at) >= BigInt(target) && version;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      const [kept, rebuilt] = await Promise.all([
        dumpBuild(live, projection.name, active),
        dumpBuild(fresh, projection.name, build),
      ]);
      keys += Object.keys(rebuilt).length;
      const differences = describeDiff(kept, rebuilt);
      if (differences.length > 0)
        problems.push(`${projection.name}: ${differences.length} keys differ (${first(differences)})`);
    }
  } finally {
    await projector.stop();
    await eventStore.dispose();
    await Promise.all([live.close(), fresh.close()]);
    await freshServer.stop();
  }
  return {
    name: 'read models = rebuild',
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `${domainProjections().length} read models, ${keys} keys, equal a rebuild from the log`
        : first(problems),
  };
};

/** A Money string ("-12.30") in minor units. */
export const minorUnits = (amount: string): number => {
  const [whole = '0', fraction = '00'] = amount.replace('-', '').split('.');
  const value = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return amount.startsWith('-') ? -value : value;
};

interface Folded {
  currency: string;
  balance: number;
  status: 'OPEN' | 'CLOSED';
  revision: number;
}

interface Totals {
  deposited: number;
  withdrawn: number;
  /** Paid out by transfers and not yet credited or refunded. */
  inTransit: number;
  open: number;
}

/** How each event moves an account's balance, and what is in transit (the sign of its amount). */
const movements: Record<string, { readonly balance: number; readonly inTransit: number }> = {
  MoneyDeposited: { balance: 1, inTransit: 0 },
  MoneyWithdrawn: { balance: -1, inTransit: 0 },
  MoneyTransferredOut: { balance: -1, inTransit: 1 },
  MoneyTransferredIn: { balance: 1, inTransit: -1 },
  TransferOutRefunded: { balance: 1, inTransit: -1 },
};

const foldLog = (log: readonly LogEvent[]) => {
  const accounts = new Map<string, Folded>();
  const totals = new Map<string, Totals>();
  const problems: string[] = [];
  const totalsOf = (currency: string): Totals => {
    const found = totals.get(currency) ?? { deposited: 0, withdrawn: 0, inTransit: 0, open: 0 };
    totals.set(currency, found);
    return found;
  };
  for (const event of log) {
    if (!event.streamName.startsWith('account-')) continue;
    const id = String(event.data.accountId);
    const account = accounts.get(id);
    if (event.type === 'AccountOpened') {
      const currency = String(event.data.currency);
      accounts.set(id, { currency, balance: 0, status: 'OPEN', revision: Number(event.revision) });
      totalsOf(currency).open++;
      continue;
    }
    if (account === undefined) {
      problems.push(`${event.type} on ${id} before it was opened`);
      continue;
    }
    account.revision = Number(event.revision);
    const movement = movements[event.type];
    if (movement !== undefined) {
      const amount = Number(event.data.amount ?? 0);
      const currencyTotals = totalsOf(account.currency);
      account.balance += movement.balance * amount;
      currencyTotals.inTransit += movement.inTransit * amount;
      if (event.type === 'MoneyDeposited') currencyTotals.deposited += amount;
      if (event.type === 'MoneyWithdrawn') currencyTotals.withdrawn += amount;
      if (account.balance < 0) problems.push(`${id} went below zero at ${event.position}`);
      if (event.data.balanceAfter !== account.balance) {
        problems.push(
          `${event.type} on ${id} at ${event.position} records balanceAfter ${String(event.data.balanceAfter)}, its stream folds to ${account.balance}`,
        );
      }
    } else if (event.type === 'AccountClosed') {
      account.status = 'CLOSED';
      totalsOf(account.currency).open--;
      if (account.balance !== 0) problems.push(`${id} was closed holding ${account.balance}`);
    }
  }
  return { accounts, totals, problems };
};

interface AccountNode {
  readonly id: string;
  readonly currency: string;
  readonly balance: string;
  readonly status: 'OPEN' | 'CLOSED';
  readonly revision: number;
}

interface AccountsPage {
  readonly accounts: {
    readonly edges: readonly { readonly node: AccountNode }[];
    readonly pageInfo: { readonly endCursor: string | null; readonly hasNextPage: boolean };
  };
}

const allAccounts = async (queryUrl: string): Promise<AccountNode[]> => {
  const nodes: AccountNode[] = [];
  for (let after: string | null = null, page = 0; page < 1_000; page++) {
    const page: AccountsPage = await query<AccountsPage>(
      queryUrl,
      'query ($after: String) { accounts(first: 100, after: $after) { edges { node { id currency balance status revision } } pageInfo { endCursor hasNextPage } } }',
      { after },
    );
    const { accounts } = page;
    nodes.push(...accounts.edges.map((edge) => edge.node));
    if (!accounts.pageInfo.hasNextPage) break;
    after = accounts.pageInfo.endCursor;
  }
  return nodes;
};

/** (c): the log folded by hand against the `accounts` and `bankStats` queries. */
export const moneyConserved = async (queryUrl: string, log: readonly LogEvent[]): Promise<Check> => {
  const { accounts, totals, problems } = foldLog(log);
  const listed = await allAccounts(queryUrl);
  if (listed.length !== accounts.size)
    problems.push(`accounts lists ${listed.length} accounts, the log has ${accounts.size}`);
  const sums = new Map<string, number>();
  for (const node of listed) {
    const folded = accounts.get(node.id);
    const balance = minorUnits(node.balance);
    sums.set(node.currency, (sums.get(node.currency) ?? 0) + balance);
    if (folded === undefined) problems.push(`accounts lists ${node.id}, which the log never opened`);
    else if (folded.balance !== balance || folded.status !== node.status || folded.revision !== node.revision) {
      problems.push(
        `${node.id} reads ${node.balance} ${node.status} r${node.revision}, the log says ${folded.balance} ${folded.status} r${folded.revision}`,
      );
    }
  }
  const { bankStats } = await query<{
    bankStats: {
      totals: {
        currency: string;
        balance: string;
        deposited: string;
        withdrawn: string;
        inTransit: string;
        openAccounts: number;
      }[];
    };
  }>(queryUrl, '{ bankStats { totals { currency balance deposited withdrawn inTransit openAccounts } } }');
  const described: string[] = [];
  for (const [currency, expected] of totals) {
    const stats = bankStats.totals.find((total) => total.currency === currency);
    const net = expected.deposited - expected.withdrawn;
    if (stats === undefined) {
      problems.push(`bankStats has no ${currency}`);
      continue;
    }
    const got = {
      balance: minorUnits(stats.balance),
      deposited: minorUnits(stats.deposited),
      withdrawn: minorUnits(stats.withdrawn),
      inTransit: minorUnits(stats.inTransit),
      open: stats.openAccounts,
    };
    if (
      got.deposited !== expected.deposited ||
      got.withdrawn !== expected.withdrawn ||
      got.inTransit !== expected.inTransit ||
      got.balance !== net ||
      got.open !== expected.open
    ) {
      problems.push(
        `bankStats ${currency} ${JSON.stringify(got)}, the log says ${JSON.stringify({ ...expected, balance: net })}`,
      );
    }
    if ((sums.get(currency) ?? 0) !== net - expected.inTransit) {
      problems.push(
        `${currency} accounts sum to ${sums.get(currency) ?? 0}, deposits - withdrawals - in transit = ${net} - ${expected.inTransit}`,
      );
    }
    described.push(`${currency} ${net}${expected.inTransit === 0 ? '' : ` (${expected.inTransit} in transit)`}`);
  }
  return {
    name: 'money conserved',
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `${listed.length} accounts; balances = deposits - withdrawals (${described.join(', ')})`
        : first(problems),
  };
};

/** Waits (bounded) for each subscriber to reach the last transaction it should see. */
export const awaitSubscribers = async (
  subscribers: readonly ResumingSubscriber[],
  log: readonly LogEvent[],
  timeoutMs = 15_000,
) => {
  await Promise.all(
    subscribers.map((subscriber) => {
      const last = expectedFor(subscriber, log, undefined).at(-1);
      if (last === undefined) return undefined;
      return waitFor(
        `${subscriber.name} to see ${last.position}`,
        () => subscriber.seen.some((seen) => seen.position >= last.position),
        {
          timeoutMs,
          intervalMs: 50,
        },
      ).catch(() => undefined);
    }),
  );
};

const expectedFor = (subscriber: ResumingSubscriber, log: readonly LogEvent[], since: bigint | undefined) =>
  log.filter(
    (event) =>
      (event.type === 'MoneyDeposited' || event.type === 'MoneyWithdrawn') &&
      (since === undefined || event.position > since) &&
      (subscriber.accountId === undefined || event.data.accountId === subscriber.accountId),
  );

/** (d) */
export const subscribersExact = (
  subscribers: readonly ResumingSubscriber[],
  log: readonly LogEvent[],
  since: string,
): Check => {
  const problems: string[] = [];
  const described: string[] = [];
  for (const subscriber of subscribers) {
    const expected = expectedFor(subscriber, log, BigInt(since));
    const wanted = new Map(expected.map((event) => [event.position, event.id]));
    const seen = new Set<bigint>();
    let repeated = 0;
    let disordered = 0;
    let foreign = 0;
    let previous = -1n;
    for (const { position, id } of subscriber.seen) {
      if (seen.has(position)) repeated++;
      else if (position < previous) disordered++;
      if (wanted.get(position) !== id) foreign++;
      seen.add(position);
      previous = position > previous ? position : previous;
    }
    const missed = expected.filter((event) => !seen.has(event.position)).length;
    if (repeated + disordered + foreign + missed > 0) {
      problems.push(
        `${subscriber.name} missed ${missed}, repeated ${repeated}, out of order ${disordered}, unknown ${foreign} of ${expected.length} (${subscriber.resumes} resumes; last problem: ${subscriber.lastProblem ?? 'none'})`,
      );
    }
    described.push(`${subscriber.name} ${subscriber.seen.length}/${expected.length} (${subscriber.resumes} resumes)`);
  }
  return {
    name: 'subscribers exact',
    ok: problems.length === 0,
    detail: problems.length === 0 ? described.join(', ') : first(problems),
  };
};

/** (e) */
export const noWrongfulRefusal = (
  wrongful: readonly WrongfulRefusal[],
  refusals: ReadonlyMap<string, number>,
): Check => ({
  name: 'no wrongful refusal',
  ok: wrongful.length === 0,
  detail:
    wrongful.length === 0
      ? `refusals, all possible: ${[...refusals].map(([code, count]) => `${code} ${count}`).join(', ') || 'none'}`
      : `${wrongful.length} wrongful: ${first(wrongful.map((w) => `${w.kind} ${w.accountId} ${w.code} ("${w.message.slice(0, 60)}") though ${w.why}`))}`,
});
