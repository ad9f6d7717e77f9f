import { BACKWARDS, END, excludeSystemEvents, START } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import {
  appendNumbered,
  collect,
  numbersOf,
  startEsdbLocalFixture,
  uniqueStream,
  useEsdbLocal,
  watchSubscription,
} from '../../support/esdb-local.js';

const esdb = useEsdbLocal();

const readNumbers = async (stream: string, options: Parameters<typeof esdb.client.readStream>[1] = {}) =>
  numbersOf(await collect(esdb.client.readStream(stream, options)));

describe('stream metadata', () => {
  it('is written to and read from the $$ metastream, custom keys and all', async () => {
    const stream = uniqueStream('meta');
    expect(await esdb.client.getStreamMetadata(stream)).toEqual({ streamName: stream });
    const metadata = { maxCount: 50, custom: { owner: 'team-a', tags: ['x', 'y'] }, flag: true };
    const result = await esdb.client.setStreamMetadata(stream, metadata);
    expect(result.nextExpectedRevision).toBe(0n);
    expect((await esdb.client.getStreamMetadata(stream)).metadata).toEqual(metadata);
    const [raw] = await collect(esdb.client.readStream(`$$${stream}`));
    expect(raw!.event).toMatchObject({ type: '$metadata', data: { $maxCount: 50, custom: metadata.custom } });
    // Only the latest metadata counts, and only it stays readable.
    await esdb.client.setStreamMetadata(stream, { maxCount: 5 });
    expect((await esdb.client.getStreamMetadata(stream)).metadata).toEqual({ maxCount: 5 });
    expect(await collect(esdb.client.readStream(`$$${stream}`))).toHaveLength(1);
  });

  it('checks expected revisions on the metastream', async () => {
    const stream = uniqueStream('meta-wev');
    await esdb.client.setStreamMetadata(stream, { maxCount: 1 }, { expectedRevision: 'no_stream' });
    await expect(
      esdb.client.setStreamMetadata(stream, { maxCount: 2 }, { expectedRevision: 'no_stream' }),
    ).rejects.toMatchObject({ streamName: `$$${stream}`, actualVersion: 0n });
  });

  it('$maxCount hides all but the newest events from reads', async () => {
    const stream = uniqueStream('max-count');
    await appendNumbered(esdb.client, stream, 10);
    await esdb.client.setStreamMetadata(stream, { maxCount: 3 });
    expect(await readNumbers(stream)).toEqual([7, 8, 9]);
    expect(await readNumbers(stream, { fromRevision: 2n })).toEqual([7, 8, 9]);
    expect(await readNumbers(stream, { direction: BACKWARDS, fromRevision: END })).toEqual([9, 8, 7]);
    await appendNumbered(esdb.client, stream, 1, { from: 10 });
    expect(await readNumbers(stream)).toEqual([8, 9, 10]);
  });

  it('$tb hides the events before a revision', async () => {
    const stream = uniqueStream('truncate-before');
    await appendNumbered(esdb.client, stream, 10);
    await esdb.client.setStreamMetadata(stream, { truncateBefore: 6 });
    expect(await readNumbers(stream)).toEqual([6, 7, 8, 9]);
    expect(await readNumbers(stream, { direction: BACKWARDS, fromRevision: END })).toEqual([9, 8, 7, 6]);
  });

  it('$maxAge hides events once they are older than it, until it is raised (nothing is scavenged)', async () => {
    const stream = uniqueStream('max-age');
    await appendNumbered(esdb.client, stream, 2);
    await esdb.client.setStreamMetadata(stream, { maxAge: 1 });
    await expect.poll(() => readNumbers(stream), { timeout: 5_000, interval: 100 }).toEqual([]);
    await esdb.client.setStreamMetadata(stream, { maxAge: 3600 });
    await appendNumbered(esdb.client, stream, 1, { from: 2 });
    expect(await readNumbers(stream)).toEqual([0, 1, 2]);
  });

  it('leaves $all as it was: metadata limits reads of the stream only', async () => {
    const stream = uniqueStream('all-unlimited');
    await appendNumbered(esdb.client, stream, 4);
    await esdb.client.setStreamMetadata(stream, { maxCount: 1 });
    const inAll = (await collect(esdb.client.readAll())).filter((resolved) => resolved.event?.streamId === stream);
    expect(numbersOf(inAll)).toEqual([0, 1, 2, 3]);
  });
});

describe('system records in $all', () => {
  it('include $metadata and $streamDeleted events, which a filter that excludes system events hides', async () => {
    const stream = uniqueStream('system');
    const { position } = await esdb.client.setStreamMetadata(stream, { maxCount: 3 });
    await appendNumbered(esdb.client, stream, 1);
    await esdb.client.tombstoneStream(stream);
    const after = (await collect(esdb.client.readAll({ fromPosition: position! }))).map((resolved) => [
      resolved.event!.streamId,
      resolved.event!.type,
    ]);
    expect(after).toEqual([
      [`$$${stream}`, '$metadata'],
      [stream, 'Numbered'],
      [stream, '$streamDeleted'],
    ]);
    // Subscribed from the record before the metadata (excluded), without system events: the event alone.
    const [before] = await collect(
      esdb.client.readAll({ fromPosition: position!, direction: 'backwards', maxCount: 1 }),
    );
    const subscription = esdb.client.subscribeToAll({
      fromPosition: before!.event!.position,
      filter: excludeSystemEvents(),
    });
    const watched = watchSubscription(subscription);
    await watched.untilCaughtUp();
    await subscription.unsubscribe();
    expect(watched.events.map((resolved) => [resolved.event!.streamId, resolved.event!.type])).toEqual([
      [stream, 'Numbered'],
    ]);
  });

  it('start with the system events a fresh server writes, which excludeSystemEvents hides', async () => {
    const fresh = await startEsdbLocalFixture();
    try {
      const everything = await collect(fresh.client.readAll({ fromPosition: START }));
      expect(everything.length).toBeGreaterThan(0);
      expect(everything.every((resolved) => resolved.event!.type.startsWith('$'))).toBe(true);
      // Reads of $all take no server-side filter from this client; subscriptions do.
      const subscription = fresh.client.subscribeToAll({ filter: excludeSystemEvents() });
      let caughtUp = false;
      const seen: string[] = [];
      subscription.on('data', (resolved) => seen.push(resolved.event!.type));
      subscription.on('caughtUp', () => {
        caughtUp = true;
      });
      await expect.poll(() => caughtUp).toBe(true);
      expect(seen).toEqual([]);
      await subscription.unsubscribe();
    } finally {
      await fresh.stop();
    }
  });
});
