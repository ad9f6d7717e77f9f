import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../../src/core/projections/checkpoint.js';
import { commitBatch } from '../../../src/core/projections/commit-batch.js';
import { keySpace, type ProjectionId } from '../../../src/core/projections/keys.js';
import { hIncrBy, lPush, type RedisOp } from '../../../src/core/projections/projection.js';
import { ProjectionLease } from '../../../src/core/projections/projection-lease.js';
import type { RedisClient } from '../../../src/core/redis/client.js';
import { uniqueName, useEmbeddedRedis } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';

const fixture = useEmbeddedRedis();

interface Deposit {
  readonly position: bigint;
  readonly account: string;
  readonly amount: number;
}

const log: readonly Deposit[] = Array.from({ length: 30 }, (_, index) => ({
  position: BigInt((index + 1) * 100),
  account: `a${index % 3}`,
  amount: index + 1,
}));

/** A pure handler, as a projection has it: counters that double if an event is applied twice. */
const project = (deposit: Deposit): RedisOp[] => [
  hIncrBy(`account:${deposit.account}`, 'balance', deposit.amount),
  hIncrBy(`account:${deposit.account}`, 'deposits', 1),
  lPush(`history:${deposit.account}`, String(deposit.position)),
];

/** What the read model must hold after exactly the given events, each applied once. */
const expectedAfter = (events: readonly Deposit[]) => {
  const accounts: Record<string, { balance: string; deposits: string; history: string[] }> = {};
  for (const { account, amount, position } of events) {
    const state = accounts[account] ?? { balance: '0', deposits: '0', history: [] };
    accounts[account] = {
      balance: String(Number(state.balance) + amount),
      deposits: String(Number(state.deposits) + 1),
      history: [String(position), ...state.history],
    };
  }
  return accounts;
};

const readModel = async (redis: RedisClient, projection: ProjectionId) => {
  const space = keySpace(projection);
  const accounts: Record<string, { balance: string; deposits: string; history: string[] }> = {};
  for (const account of ['a0', 'a1', 'a2']) {
    const [hash, history] = await Promise.all([
      redis.hGetAll(space.key(`account:${account}`)),
      redis.lRange(space.key(`history:${account}`), 0, -1),
    ]);
    if (history.length > 0) accounts[account] = { balance: hash.balance ?? '', deposits: hash.deposits ?? '', history };
  }
  return accounts;
};

/**
 * The runner's side of the work around these functions, minus the event store: follow the log
 * from the checkpoint, project a batch, commit it with the checkpoint under the lease.
 */
class ToyRunner {
  constructor(
    readonly redis: RedisClient,
    readonly projection: ProjectionId,
    readonly lease: ProjectionLease,
  ) {}

  /** The next batch after the stored checkpoint: what a catch-up subscription would deliver. */
  async nextBatch(size: number): Promise<readonly Deposit[]> {
    const checkpoint = (await readCheckpoint(this.redis, this.projection)) ?? -1n;
    return log.filter((deposit) => deposit.position > checkpoint).slice(0, size);
  }

  async commit(batch: readonly Deposit[]) {
    return commitBatch(this.redis, {
      projection: this.projection,
      ops: batch.flatMap(project),
      checkpoint: batch.at(-1)!.position,
      leaseToken: this.lease.token,
    });
  }
}

describe('a runner that dies between batches', () => {
  it('leaves checkpoint and data consistent, and its successor applies every event exactly once', async () => {
    const projection = { name: uniqueName('crash'), version: 1 };
    const ttlMs = 300;
    const [crashingConnection, successorConnection] = await Promise.all([fixture.connect(), fixture.connect()]);
    const first = new ToyRunner(
      crashingConnection,
      projection,
      (await ProjectionLease.acquire(crashingConnection, projection, { ttlMs, onError: () => undefined }))!,
    );
    let committed: readonly Deposit[] = [];
    for (let round = 0; round < 3; round++) {
      const batch = await first.nextBatch(4);
      expect(await first.commit(batch)).toMatchObject({ status: 'committed' });
      committed = batch;
    }
    // It takes a fourth batch and dies before committing it: the process and its connection are gone.
    const unfinished = await first.nextBatch(4);
    crashingConnection.destroy();

    expect(await readCheckpoint(successorConnection, projection)).toBe(1_200n);
    expect(await readModel(successorConnection, projection)).toEqual(expectedAfter(log.slice(0, 12)));

    const lease = await waitFor('the dead runner’s lease to expire', () =>
      ProjectionLease.acquire(successorConnection, projection, { ttlMs }),
    );
    const successor = new ToyRunner(successorConnection, projection, lease);
    // The subscription may hand the successor events it already has (at least once): no-ops.
    expect(await successor.commit(committed)).toEqual({ status: 'stale', checkpoint: 1_200n });
    for (let batch = await successor.nextBatch(4); batch.length > 0; batch = await successor.nextBatch(4)) {
      expect(await successor.commit(batch)).toMatchObject({ status: 'committed' });
    }

    expect(await readCheckpoint(successorConnection, projection)).toBe(3_000n);
    expect(await readModel(successorConnection, projection)).toEqual(expectedAfter(log));

    // Had the first runner only been paused, its unfinished batch would arrive now: refused.
    const late = new ToyRunner(successorConnection, projection, first.lease);
    expect(await late.commit(unfinished)).toEqual({ status: 'fenced' });
    expect(await readModel(successorConnection, projection)).toEqual(expectedAfter(log));
    await lease.release();
  });
});
