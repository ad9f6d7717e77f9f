import { randomInt } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import {
  type AllStreamResolvedEvent,
  EventStoreDBClient,
  jsonEvent,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { startEsdbLocal } from '../../../src/esdb-local/start.js';
import { useCleanups } from '../../support/cleanups.js';
import { collect, temporaryDirectory, uniqueStream, watchSubscription } from '../../support/esdb-local.js';

/*
 * The disk engine with its sizes turned down, so a few megabytes of events span many segment
 * files, outgrow the in-memory tail, and cross index checkpoints: what reads return must not
 * depend on where records come from (tail cache, disk, after a restart).
 */

const tuning = {
  segmentBytes: 256 * 1024,
  cacheBytes: 128 * 1024,
  checkpointEveryBytes: 512 * 1024,
  chunkBytes: 16 * 1024,
};

const cleanUp = useCleanups();

const started = async (dir: string) => {
  const server = await startEsdbLocal({ dir, tuning });
  const client = EventStoreDBClient.connectionString(server.connectionString);
  const stop = async () => {
    await client.dispose();
    await server.stop();
  };
  cleanUp(stop);
  return { client, stop };
};

/** What identifies an event as read, whatever served it. */
const summary = (resolved: AllStreamResolvedEvent | ResolvedEvent) => ({
  id: resolved.event!.id,
  streamId: resolved.event!.streamId,
  revision: resolved.event!.revision,
  position: resolved.event!.position,
  data: resolved.event!.data,
});

/** Several megabytes in appends of 1-10 events of up to 4 KB, ten at a time, plus one of 900 KB. */
const writeLog = async (client: EventStoreDBClient, streams: string[]) => {
  for (let round = 0; round < 20; round++) {
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        client.appendToStream(
          streams[(round * 10 + index) % streams.length]!,
          // 1 to 10 events, each count once a round: 1,100 in all, not a draw that can fall short.
          Array.from({ length: 1 + index }, () =>
            jsonEvent({ type: 'Sized', data: { round, pad: 'd'.repeat(randomInt(100, 4000)) } }),
          ),
        ),
      ),
    );
    if (round === 10) {
      await client.appendToStream(streams[0]!, jsonEvent({ type: 'Large', data: { round, pad: 'L'.repeat(900_000) } }));
    }
  }
};

describe('the disk engine', () => {
  it('reads the same log from the tail cache, from disk and after restarts, across many segments', async () => {
    const dir = temporaryDirectory();
    cleanUp(() => rmSync(dir, { recursive: true, force: true }));
    const streams = Array.from({ length: 7 }, () => uniqueStream('disk'));
    let { client, stop } = await started(dir);
    await writeLog(client, streams);
    expect(readdirSync(dir).filter((name) => name.endsWith('.segment')).length).toBeGreaterThan(8);

    const all = (await collect(client.readAll())).map(summary);
    const ofStream = (stream: string) => all.filter((event) => event.streamId === stream);
    expect(all.length).toBeGreaterThan(1000);

    const check = async () => {
      expect((await collect(client.readAll())).map(summary)).toEqual(all);
      expect((await collect(client.readAll({ direction: 'backwards', fromPosition: 'end' }))).map(summary)).toEqual(
        [...all].reverse(),
      );
      for (const at of [1, 333, 777, all.length - 2]) {
        const position = all[at]!.position as Position;
        const after = await collect(client.readAll({ fromPosition: position, maxCount: 50 }));
        expect(after.map(summary)).toEqual(all.slice(at, at + 50));
        const before = await collect(client.readAll({ fromPosition: position, direction: 'backwards', maxCount: 50 }));
        expect(before.map(summary)).toEqual(all.slice(Math.max(0, at - 50), at).reverse());
      }
      for (const stream of streams) {
        const forwards = (await collect(client.readStream(stream))).map(summary);
        expect(forwards).toEqual(ofStream(stream));
        const backwards = await collect(client.readStream(stream, { direction: 'backwards', fromRevision: 'end' }));
        expect(backwards.map(summary)).toEqual(ofStream(stream).reverse());
      }
      const subscription = client.subscribeToAll();
      const watched = watchSubscription(subscription);
      await watched.untilCaughtUp();
      await subscription.unsubscribe();
      expect(watched.events.map(summary)).toEqual(all);
    };

    await check();
    await stop();
    ({ client, stop } = await started(dir));
    await check();
    // More log after the restart, then a restart from the checkpoint it leaves.
    await writeLog(client, streams);
    const grown = (await collect(client.readAll())).map(summary);
    expect(grown.slice(0, all.length)).toEqual(all);
    all.push(...grown.slice(all.length));
    await check();
    await stop();
    ({ client, stop } = await started(dir));
    await check();
  });
});
