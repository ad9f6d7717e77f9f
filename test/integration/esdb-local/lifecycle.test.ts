import { rmSync } from 'node:fs';
import { EventStoreDBClient, UnavailableError } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { startEsdbLocal } from '../../../src/esdb-local/start.js';
import { useCleanups } from '../../support/cleanups.js';
import {
  appendNumbered,
  collect,
  numbersOf,
  temporaryDirectory,
  uniqueStream,
  watchSubscription,
} from '../../support/esdb-local.js';

const cleanUp = useCleanups();

const started = async (dir: string) => {
  const server = await startEsdbLocal({ dir });
  const client = EventStoreDBClient.connectionString(server.connectionString);
  cleanUp(
    () => client.dispose(),
    () => server.stop(),
  );
  return { server, client };
};

describe('stopping esdb-local', () => {
  it('is prompt while clients keep BatchAppend calls and subscriptions open, which end as unavailable', async () => {
    const dir = temporaryDirectory();
    cleanUp(() => rmSync(dir, { recursive: true, force: true }));
    const { server, client } = await started(dir);
    const stream = uniqueStream('open');
    await appendNumbered(client, stream, 2);
    const watched = watchSubscription(client.subscribeToStream(stream));
    await watched.untilCaughtUp();

    const stopping = Date.now();
    await server.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    await watched.until('the subscription to end', () => watched.error !== undefined).catch(() => {});
    expect(watched.error).toBeInstanceOf(UnavailableError);
  });

  it('answers the appends it committed before stopping, and they are there after a restart', async () => {
    const dir = temporaryDirectory();
    cleanUp(() => rmSync(dir, { recursive: true, force: true }));
    const first = await started(dir);
    const streams = Array.from({ length: 200 }, () => uniqueStream('in-flight'));
    const appends = streams.map((stream) => appendNumbered(first.client, stream, 3, { expectedRevision: 'no_stream' }));
    // Stop once appends are flowing: some answered, some committed, some still on their way.
    await Promise.race(appends);
    const stopped = first.server.stop();
    const outcomes = await Promise.allSettled(appends);
    await stopped;
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(UnavailableError);
    }

    const second = await started(dir);
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') {
        expect(numbersOf(await collect(second.client.readStream(streams[index]!)))).toEqual([0, 1, 2]);
      }
    }
  });
});
