import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../bench/faults/cluster.js';
import { query } from '../../bench/faults/graphql.js';
import { moneyConserved, readLog, readModelsEqualRebuild, settle } from '../../bench/faults/oracle.js';
import { cutOffReactions, ProcessManagerKiller, transferUnderWay } from '../../bench/faults/process-manager-kills.js';
import { type TransferOutcome, transferLedger, transfersBalanced } from '../../bench/faults/transfer-oracle.js';
import {
  type Answer,
  accountCount,
  openTransferAccounts,
  type PlannedTransfer,
  planTransfers,
  runTransferLoad,
  transferAccounts,
} from '../../bench/faults/transfer-workload.js';
import { derivedId } from '../../src/core/commands/event-ids.js';
import { connectEventStore, type EventStoreClient } from '../../src/core/eventstore/client.js';
import { connectRedis, type RedisClient } from '../../src/core/redis/client.js';
import { transferProcessName } from '../../src/domains/bank/transfers/transfer-process.js';

/*
 * Money conservation under crashes of the process manager, the oracle of issue 12. A split
 * deployment (esdb-local, redis-server, a command node and two projector nodes, all real
 * processes): 1,000 transfers among 50 accounts, with deposits and withdrawals between them,
 * sent 32 at a time, while the projector node running `transfer-process` (the lease holder) is
 * killed with SIGKILL at seeded points and started again, the other taking over each time. Then,
 * from the log and from the read models: every transfer settled, each moved its money once or
 * gave it back, and per currency the balances are what was deposited less what was withdrawn.
 *
 * TRANSFER_SEED replays a run's plan (amounts, accounts, kill points); the seed is printed.
 * TRANSFER_KILLS sets how many kills (default 4).
 */

const seed = Number(process.env.TRANSFER_SEED ?? Math.floor(Math.random() * 2 ** 31));
const kills = Number(process.env.TRANSFER_KILLS ?? 4);
const transferCount = 1_000;
const concurrency = 32;

/** The transfer a repeat stands for: the first of its line. */
const rootOf = (transfers: readonly PlannedTransfer[], index: number): number => {
  let at = index;
  while (transfers[at]!.repeats !== undefined) at = transfers[at]!.repeats!;
  return at;
};

describe('transfers under process-manager crashes', () => {
  let cluster: Cluster;
  let redis: RedisClient;
  let eventStore: EventStoreClient;

  beforeAll(async () => {
    console.log(`transfer conservation: seed ${seed} (TRANSFER_SEED=${seed} replays it), ${kills} kills`);
    cluster = await Cluster.split({ commands: 1, projectors: 2, leaseTtlMs: 1_000 });
    redis = await connectRedis(cluster.redisUrl());
    eventStore = connectEventStore(cluster.eventStore());
  });
  afterAll(async () => {
    await cluster?.stop();
    await redis?.close();
    await eventStore?.dispose();
  });

  it('conserves money through 1,000 concurrent transfers while the process manager is killed and taken over', async () => {
    const started = Date.now();
    const phases: string[] = [];
    const phase = (name: string) => phases.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const url = () => cluster.queryUrl();
    const accounts = transferAccounts();
    await openTransferAccounts(url(), accounts);
    const plan = planTransfers(seed, accounts, { count: transferCount, kills });
    // Where each accepted request landed, in answer order: kill point k waits for the process
    // manager to pass the k-th.
    const accepted: bigint[] = [];
    const requestedAt = new Map<string, bigint>();
    const killer = new ProcessManagerKiller(
      cluster,
      redis,
      eventStore,
      transferProcessName,
      transferUnderWay((transferId) => requestedAt.get(transferId)),
    );
    let loadDone = false;
    phase('opened');
    const load = runTransferLoad(url, plan, concurrency, (answer) => {
      if (answer.kind !== 'ok' || !answer.transferId) return;
      accepted.push(BigInt(answer.position));
      requestedAt.set(answer.transferId, BigInt(answer.position));
    }).finally(() => {
      loadDone = true;
      phase('load sent');
    });
    const killing = (async () => {
      for (const point of plan.killPoints) {
        await killer.killHolderPast(
          () => (accepted.length > point ? accepted[point] : loadDone ? accepted.at(-1) : undefined),
          120_000,
        );
      }
    })();
    const [result] = await Promise.all([load, killing]);
    const context = `seed ${seed}`;
    phase('killed');
    await settle(url(), 120_000, { processManagers: true }).catch(async (error: Error) => {
      throw new Error(`${context}: ${error.message}\n${await whyUnsettled(cluster)}`);
    });
    phase('settled');

    const log = await readLog(cluster.eventStore());
    const ledger = transferLedger(log);

    // The answers: refused up front only across currencies, a repeat answered as its first.
    const unexpected: string[] = [];
    const transferIds = new Set<string>();
    plan.transfers.forEach((transfer, index) => {
      const answer = result.transfers[index]!;
      const root = result.transfers[rootOf(plan.transfers, index)]!;
      const intent = plan.transfers[rootOf(plan.transfers, index)]!.intent;
      const fits =
        intent === 'other-currency'
          ? answer.kind === 'error' && answer.code === 'CURRENCY_MISMATCH'
          : answer.kind === 'ok' && typeof answer.transferId === 'string' && sameAnswer(answer, root);
      if (!fits) unexpected.push(`${transfer.intent} #${index}: ${JSON.stringify(answer)}`);
      if (answer.kind === 'ok' && answer.transferId) transferIds.add(answer.transferId);
    });
    for (const answer of result.cash) {
      if (answer.kind === 'failed' || (answer.kind === 'error' && answer.code !== 'INSUFFICIENT_FUNDS')) {
        unexpected.push(`a deposit or withdrawal: ${JSON.stringify(answer)}`);
      }
    }
    expect(unexpected, context).toEqual([]);

    // Nothing appended for a refused request; every accepted one is a transfer in the log.
    const refusedIds = plan.transfers
      .filter((transfer) => transfer.intent === 'other-currency')
      .map((transfer) => derivedId(transfer.commandId, 'transfer'));
    expect(refusedIds.length, context).toBeGreaterThan(0);
    expect(
      log.filter((event) => refusedIds.some((id) => event.streamName === `transfer-${id}`)),
      context,
    ).toEqual([]);
    expect(new Set(ledger.transfers.keys()), context).toEqual(transferIds);

    // Every transfer settled, and moved its money once and whole, or gave it back.
    const balanced = transfersBalanced(ledger);
    expect(balanced.ok, `${context}: ${balanced.detail}`).toBe(true);

    // Each met what it was planned to meet.
    const outcomeOf = (index: number): TransferOutcome | undefined => {
      const answer = result.transfers[index]!;
      return answer.kind === 'ok' && answer.transferId ? ledger.transfers.get(answer.transferId) : undefined;
    };
    const short = (outcome: TransferOutcome | undefined) =>
      outcome?.status === 'FAILED' && outcome.reason === 'INSUFFICIENT_FUNDS' && outcome.debits.length === 0;
    const refunded = (outcome: TransferOutcome | undefined) =>
      outcome?.status === 'FAILED' && outcome.reason === 'ACCOUNT_CLOSED' && outcome.refunds.length === 1;
    const misfits: string[] = [];
    let lateClosesRefunded = 0;
    plan.transfers.forEach((transfer, index) => {
      const outcome = outcomeOf(index);
      const closed = result.closes.get(index);
      const fits = {
        ordinary: () => outcome?.status === 'COMPLETED' || short(outcome),
        repeat: () => true,
        'other-currency': () => outcome === undefined,
        'over-balance': () => short(outcome),
        'to-closed': () => refunded(outcome) || short(outcome),
        // Closed after the request, before its credit: the refund path. Had the credit come
        // first, the close would be refused (ACCOUNT_NOT_EMPTY) and the transfer complete.
        'closed-after': () =>
          closed?.kind === 'ok'
            ? refunded(outcome) || short(outcome)
            : closed?.kind === 'error' && closed.code === 'ACCOUNT_NOT_EMPTY' && outcome?.status === 'COMPLETED',
      }[transfer.intent];
      if (!fits())
        misfits.push(`${transfer.intent} #${index}: ${JSON.stringify(outcome)}, closing ${JSON.stringify(closed)}`);
      if (transfer.intent === 'closed-after' && refunded(outcome)) lateClosesRefunded++;
    });
    expect(misfits, context).toEqual([]);
    const outcomes = [...ledger.transfers.values()];
    expect(outcomes.filter((outcome) => outcome.status === 'COMPLETED').length, context).toBeGreaterThan(0);
    expect(outcomes.filter(short).length, context).toBeGreaterThan(0);
    expect(outcomes.filter(refunded).length, context).toBeGreaterThan(0);
    expect(lateClosesRefunded, `${context}: a target closed after its request takes the refund path`).toBeGreaterThan(
      0,
    );

    // Per currency, balances = deposits - withdrawals, in the accounts, bankStats and the log,
    // every balance folded event by event, never below zero, nothing left in transit.
    const money = await moneyConserved(url(), log);
    expect(money.ok, `${context}: ${money.detail}`).toBe(true);
    expect(money.detail, context).toContain(`${accountCount} accounts`);

    // The transfers read model says what the log says.
    const disagreements: string[] = [];
    const ids = [...ledger.transfers.keys()];
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let at = worker; at < ids.length; at += 8) {
          const { transfer } = await query<{ transfer: { status: string; reason: string | null } | null }>(
            url(),
            'query ($id: ID!) { transfer(id: $id) { status reason } }',
            { id: ids[at] },
          );
          const expected = ledger.transfers.get(ids[at]!)!;
          if (transfer?.status !== expected.status || (transfer.reason ?? undefined) !== expected.reason) {
            disagreements.push(
              `${ids[at]}: ${JSON.stringify(transfer)}, the log says ${expected.status} ${expected.reason}`,
            );
          }
        }
      }),
    );
    expect(disagreements, context).toEqual([]);
    phase('checked');
    const rebuilt = await readModelsEqualRebuild(cluster.redisUrl(), cluster.eventStore());
    expect(rebuilt.ok, `${context}: ${rebuilt.detail}`).toBe(true);

    // The process manager parked nothing, was killed at every kill point, and at least one kill
    // cut a reaction off between a command and its checkpoint.
    phase('rebuilt');
    const { projections } = await query<{ projections: { name: string; parked: number }[] }>(
      url(),
      '{ projections { name parked } }',
    );
    expect(projections.find((row) => row.name === transferProcessName)?.parked, context).toBe(0);
    expect(killer.kills.length, context).toBe(kills);
    expect(new Set(killer.kills.map((kill) => kill.node)).size, `${context}: both nodes ran it`).toBe(2);
    const cut = cutOffReactions(killer.kills, log);
    const aimed = killer.kills.filter((kill) => kill.aimed).length;
    expect(cut, `${context}: reactions cut off by a kill`).toBeGreaterThan(0);
    console.log(
      `transfer conservation: ${balanced.detail}; ${kills} kills (${aimed} aimed mid-reaction, ${cut} reactions cut off), restarts ${killer.kills.map((kill) => kill.restartMs).join(', ')} ms; ${phases.join(', ')}`,
    );
  }, 300_000);
});

const sameAnswer = (answer: Answer, root: Answer): boolean =>
  answer.kind === 'ok' &&
  root.kind === 'ok' &&
  answer.transferId === root.transferId &&
  answer.position === root.position;

/** What the followers report, the transfers left PENDING and what the projector nodes warned of. */
const whyUnsettled = async (cluster: Cluster): Promise<string> => {
  const { projections } = await query<{ projections: Record<string, unknown>[] }>(
    cluster.queryUrl(),
    '{ projections { name kind lagEvents lagMs parked runnerState writer checkpoint head } }',
  );
  const pending = [...transferLedger(await readLog(cluster.eventStore())).transfers.values()].filter(
    (transfer) => transfer.status === 'PENDING',
  );
  const warnings = cluster.projectorNames.map((name) => {
    const lines = cluster.node(name).proc.output().split('\n');
    return `${name}:\n${lines
      .filter((line) => /"level":(40|50|60)/.test(line))
      .slice(-6)
      .join('\n')}`;
  });
  return [
    ...projections.map((row) => JSON.stringify(row)),
    `${pending.length} PENDING, e.g. ${JSON.stringify(pending.slice(0, 3))}`,
    ...warnings,
  ].join('\n');
};
