import { beforeAll, describe, expect, it } from 'vitest';
import { activateVersion } from '../../../src/core/projections/active-version.js';
import { commitBatch } from '../../../src/core/projections/commit-batch.js';
import { keySpace, type ProjectionId } from '../../../src/core/projections/keys.js';
import { hSet, notify, type RedisOp } from '../../../src/core/projections/projection.js';
import { streamChanges } from '../../../src/core/pubsub/change-bundles.js';
import { ChannelOverflowError, streamChannel } from '../../../src/core/pubsub/channel-stream.js';
import { changeChannel } from '../../../src/core/pubsub/channels.js';
import type { RedisClient } from '../../../src/core/redis/client.js';
import { holdLease } from '../../support/lease.js';
import { uniqueName, useEmbeddedRedis } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';

const fixture = useEmbeddedRedis();
let runner: RedisClient;
beforeAll(async () => {
  runner = await fixture.connect();
});

/** A projection version with its lease held by `runner`. */
const leased = async (projection: ProjectionId): Promise<(ops: RedisOp[], checkpoint: bigint) => Promise<void>> => {
  const token = await holdLease(runner, projection);
  return async (ops, checkpoint) => {
    const result = await commitBatch(runner, { projection, ops, checkpoint, leaseToken: token });
    if (result.status !== 'committed') throw new Error(`commit ${result.status}`);
  };
};

const subscriberCount = async (channel: string): Promise<number> => (await runner.pubSubNumSub(channel))[channel] ?? 0;

describe('change notifications', () => {
  it('reach another instance in order, each after the data it announces is readable', async () => {
    const projection = { name: uniqueName('notify'), version: 1 };
    await activateVersion(runner, projection);
    const commit = await leased(projection);
    // Another instance: its own command connection and its own subscriber connection.
    const [otherRedis, otherHub] = await Promise.all([fixture.connect(), fixture.hub()]);
    const stream = await streamChanges(otherHub, projection.name, 'account:1');
    const count = 50;

    const committing = (async () => {
      for (let seq = 1; seq <= count; seq++) {
        await commit([hSet('account:1', { seq }), notify('account:1', String(seq))], BigInt(seq));
      }
    })();
    const heard: { message: string; seqSeen: number }[] = [];
    for await (const message of stream) {
      const seqSeen = Number(await otherRedis.hGet(keySpace(projection).key('account:1'), 'seq'));
      heard.push({ message, seqSeen });
      if (heard.length === count) break;
    }
    await committing;

    expect(heard.map(({ message }) => message)).toEqual(Array.from({ length: count }, (_, index) => String(index + 1)));
    for (const { message, seqSeen } of heard) expect(seqSeen).toBeGreaterThanOrEqual(Number(message));
  });

  it('go out as one publish per topic per batch, and are read back one by one in order', async () => {
    const projection = { name: uniqueName('notify'), version: 1 };
    await activateVersion(runner, projection);
    const commit = await leased(projection);
    const hub = await fixture.hub();
    const raw = await streamChannel(hub, changeChannel(projection.name, 'account:1'));
    const messages = await streamChanges(hub, projection.name, 'account:1');
    await commit(
      [notify('account:1', 'first'), notify('account:2', 'elsewhere'), notify('account:1', '["not", "a bundle"]')],
      1n,
    );
    expect((await messages.next()).value).toBe('first');
    expect((await messages.next()).value).toBe('["not", "a bundle"]');
    expect((await raw.next()).value).toBe(JSON.stringify(['first', '["not", "a bundle"]']));
    await Promise.all([raw.return?.(), messages.return?.()]);
  });

  it('are not published by a version readers do not use', async () => {
    const name = uniqueName('notify');
    const live = { name, version: 1 };
    const rebuild = { name, version: 2 };
    await activateVersion(runner, live);
    const [commitLive, commitRebuild] = await Promise.all([leased(live), leased(rebuild)]);
    const stream = await streamChanges(await fixture.hub(), name, 'account:1');

    await commitRebuild([hSet('account:1', { seq: 1 }), notify('account:1', 'from the rebuild')], 1n);
    await commitLive([hSet('account:1', { seq: 1 }), notify('account:1', 'from the live version')], 1n);

    // Redis delivers in publish order: had the rebuild published, it would come first.
    expect(await stream.next()).toEqual({ value: 'from the live version', done: false });
    await stream.return?.();
  });
  it('go out with the commit itself: a fenced writer and a replay announce nothing', async () => {
    const projection = { name: uniqueName('notify'), version: 1 };
    await activateVersion(runner, projection);
    const token = await holdLease(runner, projection);
    const stream = await streamChanges(await fixture.hub(), projection.name, 'account:1');
    const commit = (message: string, checkpoint: bigint, leaseToken = token) =>
      commitBatch(runner, { projection, ops: [notify('account:1', message)], checkpoint, leaseToken });

    expect((await commit('first', 1n)).status).toBe('committed');
    expect((await commit('from a writer that lost its lease', 2n, 'not-the-token')).status).toBe('fenced');
    expect((await commit('a replay', 1n)).status).toBe('stale');
    expect((await commit('second', 2n)).status).toBe('committed');

    // Redis delivers in publish order: anything the fenced or stale commits published would come between.
    expect(await stream.next()).toEqual({ value: 'first', done: false });
    expect(await stream.next()).toEqual({ value: 'second', done: false });
    await stream.return?.();
  });
});

describe('the subscriber hub', () => {
  it('serves many local listeners with one Redis subscription, dropped when the last one leaves', async () => {
    const hub = await fixture.hub();
    const channel = changeChannel(uniqueName('hub'), 'topic');
    const streams = await Promise.all(Array.from({ length: 100 }, () => streamChannel(hub, channel)));
    expect(await subscriberCount(channel)).toBe(1);

    await runner.publish(channel, 'hello');
    const firsts = await Promise.all(streams.map((stream) => stream.next()));
    expect(new Set(firsts.map((result) => result.value))).toEqual(new Set(['hello']));

    await Promise.all(streams.slice(1).map((stream) => stream.return?.()));
    expect(await subscriberCount(channel)).toBe(1);
    await streams[0]?.return?.();
    await waitFor('the channel to be unsubscribed', async () => (await subscriberCount(channel)) === 0);
  });

  it('subscribes a channel again for a listener that arrives after the last one left', async () => {
    const hub = await fixture.hub();
    const channel = changeChannel(uniqueName('hub'), 'topic');
    const first = await streamChannel(hub, channel);
    await first.return?.();

    const second = await streamChannel(hub, channel);
    await runner.publish(channel, 'again');

    expect(await second.next()).toEqual({ value: 'again', done: false });
    await second.return?.();
  });

  it('ends a stream that falls too far behind with an error, after what it buffered', async () => {
    const hub = await fixture.hub();
    const channel = changeChannel(uniqueName('hub'), 'topic');
    const slow = await streamChannel(hub, channel, { bufferSize: 5 });
    const fast = await streamChannel(hub, channel);

    for (let index = 1; index <= 6; index++) await runner.publish(channel, String(index));
    // Both listeners get each message at the same moment: once the fast one has six, so has the slow one.
    for (let index = 1; index <= 6; index++) expect((await fast.next()).value).toBe(String(index));

    const buffered = [];
    for (let index = 0; index < 5; index++) buffered.push((await slow.next()).value);
    expect(buffered).toEqual(['1', '2', '3', '4', '5']);
    await expect(slow.next()).rejects.toThrow(ChannelOverflowError);
    expect(await slow.next()).toEqual({ value: undefined, done: true });

    await runner.publish(channel, '7');
    expect((await fast.next()).value).toBe('7');
    await fast.return?.();
  });

  it('ends a waiting consumer when it leaves the loop, and when the hub closes', async () => {
    const hub = await fixture.hub();
    const left = await streamChannel(hub, changeChannel(uniqueName('hub'), 'a'));
    const open = await streamChannel(hub, changeChannel(uniqueName('hub'), 'b'));
    const leftNext = left.next();
    const openNext = open.next();

    await left.return?.();
    expect(await leftNext).toEqual({ value: undefined, done: true });
    await hub.close();
    expect(await openNext).toEqual({ value: undefined, done: true });
  });
});
