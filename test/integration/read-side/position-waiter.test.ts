import { beforeAll, describe, expect, it } from 'vitest';
import { ConsistencyTimeoutError, ServiceUnavailableError } from '../../../src/core/errors.js';
import { activateVersion } from '../../../src/core/projections/active-version.js';
import { commitBatch } from '../../../src/core/projections/commit-batch.js';
import { encodeCommit } from '../../../src/core/projections/commit-ops.js';
import { commitScript } from '../../../src/core/projections/commit-script.js';
import { keySpace, type ProjectionId } from '../../../src/core/projections/keys.js';
import { PositionWaiter } from '../../../src/core/projections/position-waiter.js';
import { incrBy } from '../../../src/core/projections/projection.js';
import { progressChannel } from '../../../src/core/pubsub/channels.js';
import type { RedisClient } from '../../../src/core/redis/client.js';
import { holdLease } from '../../support/lease.js';
import { uniqueName, useEmbeddedRedis } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';

const fixture = useEmbeddedRedis();
let runner: RedisClient;
let reader: RedisClient;
beforeAll(async () => {
  [runner, reader] = await Promise.all([fixture.connect(), fixture.connect()]);
});

/** A projection version, active unless told otherwise, and a function that commits it to a position. */
const projectionAt = async (
  projection: ProjectionId = { name: uniqueName('wait'), version: 1 },
  { activate = true } = {},
): Promise<{ projection: ProjectionId; token: string; commitTo: (checkpoint: bigint) => Promise<void> }> => {
  const token = await holdLease(runner, projection);
  if (activate) await activateVersion(runner, projection);
  const commitTo = async (checkpoint: bigint): Promise<void> => {
    const result = await commitBatch(runner, { projection, ops: [incrBy('n', 1)], checkpoint, leaseToken: token });
    if (result.status !== 'committed') throw new Error(`commit ${result.status}`);
  };
  return { projection, token, commitTo };
};

/** A waiter as a query node has it: its own subscriber connection, shared by all its waits. */
const queryNode = async (): Promise<PositionWaiter> => new PositionWaiter(reader, await fixture.hub());

/** Tracks whether a promise has settled, to check that a wait is still pending. */
const track = <T>(promise: Promise<T>): { readonly settled: () => boolean; readonly promise: Promise<T> } => {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  return { settled: () => settled, promise: tracked };
};

/** Lets the event loop turn `ticks` times: a sub-millisecond, not a sleep. */
const afterTicks = async (ticks: number): Promise<void> => {
  for (let tick = 0; tick < ticks; tick++) await new Promise((resolve) => setImmediate(resolve));
};

describe('waiting for a position', () => {
  it('wakes a thousand concurrent waiters as the checkpoint passes their positions, on one subscription', async () => {
    const { projection, commitTo } = await projectionAt();
    const waiter = await queryNode();
    const positions = Array.from({ length: 1_000 }, (_, index) => BigInt((index + 1) * 10));
    const woken = new Set<bigint>();
    const waits = positions.map((position) =>
      waiter.waitFor([projection.name], position, 20_000).then(() => woken.add(position)),
    );
    await waitFor('the waiters to subscribe', async () => {
      const counts = await runner.pubSubNumSub(progressChannel(projection.name));
      return counts[progressChannel(projection.name)] === 1;
    });

    await commitTo(5_000n);
    await waitFor('the first half to wake', () => woken.size === 500);
    expect([...woken].every((position) => position <= 5_000n)).toBe(true);

    await commitTo(10_000n);
    await Promise.all(waits);
    expect(woken.size).toBe(1_000);
  });

  it('gives up with ConsistencyTimeoutError within its bound when the position is never reached', async () => {
    const { projection, commitTo } = await projectionAt();
    await commitTo(10n);
    const waiter = await queryNode();
    const started = performance.now();

    const failure = await waiter.waitFor([projection.name], 11n, 300).catch((error: unknown) => error);

    const elapsed = performance.now() - started;
    expect(failure).toBeInstanceOf(ConsistencyTimeoutError);
    expect((failure as Error).message).toContain(`${projection.name} v1 at 10`);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('resolves at once for a position already applied, with the key space to read', async () => {
    const { projection, commitTo } = await projectionAt();
    await commitTo(500n);
    const waiter = await queryNode();

    const spaces = await waiter.waitFor([projection.name], 499n, 5_000);
    // Now watched: a second wait is answered from memory, even with no time to wait at all.
    const again = await waiter.waitFor([projection.name], 500n, 0);

    expect(spaces.get(projection.name)?.key('n')).toBe(keySpace(projection).key('n'));
    expect(again.get(projection.name)?.version).toBe(1);
  });

  it('resolves at once when no projection is listed', async () => {
    const waiter = await queryNode();
    expect(await waiter.waitFor([], 1_000n, 0)).toEqual(new Map());
  });

  it('keeps watching a projection a while after its last wait, then unsubscribes', async () => {
    const { projection, commitTo } = await projectionAt();
    await commitTo(5n);
    const waiter = new PositionWaiter(reader, await fixture.hub(), { idleMs: 200 });
    const channel = progressChannel(projection.name);
    const subscribers = async () => (await runner.pubSubNumSub(channel))[channel];

    await waiter.waitFor([projection.name], 5n, 5_000);
    expect(await subscribers()).toBe(1);
    await waitFor('the idle watch to unsubscribe', async () => (await subscribers()) === 0);
  });

  it('fails a wait with SERVICE_UNAVAILABLE when its subscriber connection is lost, and reads progress afresh after', async () => {
    const { projection, token, commitTo } = await projectionAt();
    const waiter = await queryNode();
    await commitTo(1n);
    await waiter.waitFor([projection.name], 1n, 5_000);
    // Its failure may come before the kill's own reply: the assertion holds it from the start, so
    // the rejection is never one without a handler.
    const failed = expect(waiter.waitFor([projection.name], 2n, 10_000)).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );

    // The subscriber connections of this file's server die as the commit announces itself, so
    // nobody hears it. The Redis that answers next might have lost writes, so the wait fails at
    // once rather than trusting what it knew.
    const { keys, args } = encodeCommit({ projection, ops: [incrBy('n', 1)], checkpoint: 2n, leaseToken: token });
    await runner
      .multi()
      .clientKill({ filter: 'TYPE', type: 'pubsub' })
      .evalSha(commitScript.sha, { keys: [...keys], arguments: [...args] })
      .exec();

    await failed;
    const again = await waitFor('a wait once the hub has reconnected', () =>
      waiter.waitFor([projection.name], 2n, 5_000).catch(() => undefined),
    );
    expect(again.get(projection.name)?.version).toBe(1);
  });

  it('waits for every projection listed', async () => {
    const [a, b] = await Promise.all([projectionAt(), projectionAt()]);
    const waiter = await queryNode();
    const both = track(waiter.waitFor([a.projection.name, b.projection.name], 100n, 10_000));

    await a.commitTo(100n);
    // Once a wait for `a` alone has woken, the combined wait has heard the same advance.
    await waiter.waitFor([a.projection.name], 100n, 10_000);
    expect(both.settled()).toBe(false);

    await b.commitTo(150n);
    const spaces = await both.promise;
    expect([...spaces.keys()].sort()).toEqual([a.projection.name, b.projection.name].sort());
  });

  it('follows a switch to a rebuilt version and answers with that version', async () => {
    const name = uniqueName('wait');
    const live = await projectionAt({ name, version: 1 });
    const rebuild = await projectionAt({ name, version: 2 }, { activate: false });
    await live.commitTo(100n);
    await rebuild.commitTo(50n);
    const waiter = await queryNode();
    expect((await waiter.waitFor([name], 80n, 5_000)).get(name)?.version).toBe(1);

    await activateVersion(runner, rebuild.projection);
    const pending = track(waiter.waitFor([name], 120n, 10_000));
    await live.commitTo(150n); // the old version passing the position does not count any more
    await rebuild.commitTo(60n);
    await waiter.waitFor([name], 60n, 10_000); // progress is heard in order: the 150 was heard too
    expect(pending.settled()).toBe(false);

    await rebuild.commitTo(130n);
    expect((await pending.promise).get(name)?.version).toBe(2);
  });

  it('never misses a commit that lands while it subscribes', async () => {
    const { projection, commitTo } = await projectionAt();
    for (let position = 1n; position <= 100n; position++) {
      // A node that has never watched this projection: the wait subscribes and reads afresh.
      const waiter = await queryNode();
      // Spread the commit over the time a wait takes to subscribe and read, to land in every gap.
      const commit = afterTicks(Number(position % 25n)).then(() => commitTo(position));
      await Promise.all([waiter.waitFor([projection.name], position, 5_000), commit]);
      await waiter.close();
    }
  });
});
