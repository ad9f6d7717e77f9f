import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { eventDecoders } from '../../../src/core/event-decoders.js';
import { connectEventStore } from '../../../src/core/eventstore/client.js';
import { hIncrBy, type Projection } from '../../../src/core/projections/projection.js';
import { Projector } from '../../../src/core/projections/runner/projector.js';
import { connectRedis } from '../../../src/core/redis/client.js';
import { startEmbeddedRedis } from '../../../src/core/redis/embedded-redis.js';
import { startEsdbLocal } from '../../../src/esdb-local/index.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * A projector whose event store went away backs off between attempts to subscribe again, for up
 * to 5 s; stopping it must not wait that out (shutdown bounds each step at 1.5 s).
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A logger whose warnings the test can read. */
const capturedLogger = () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: pino({ level: 'warn' }, sink), lines };
};

const counting: Projection = {
  name: 'feed-stop-counting',
  version: 1,
  events: eventDecoders({ Counted: { 1: (stored: object) => stored } }),
  handles: ['Counted'],
  project: () => [hIncrBy('totals', 'count', 1)],
};

describe('a projector whose event store is down', () => {
  it('stops at once while it backs off between attempts to subscribe again', async () => {
    const [esdb, redisServer] = await Promise.all([startEsdbLocal({ mem: true }), startEmbeddedRedis()]);
    cleanups.push(() => redisServer.stop());
    const eventStore = connectEventStore(esdb.connectionString);
    cleanups.push(() => eventStore.dispose());
    const redis = await connectRedis(redisServer.url);
    cleanups.push(() => redis.close());
    const { log, lines } = capturedLogger();
    const projector = new Projector({ eventStore, redis, log }, [counting]);
    projector.start();
    await waitFor('the projector to hold its lease', () => projector.statuses()[0]?.state === 'live' || undefined, {
      timeoutMs: 15_000,
    });

    await esdb.stop();
    // By the fourth failed attempt the wait before the next is 1.6 s, the fifth 3.2 s.
    await waitFor(
      'the feed to have failed four times',
      () => lines.some((line) => line.includes('the $all subscription failed') && line.includes('"failures":4')),
      { timeoutMs: 20_000 },
    );
    const started = Date.now();
    await projector.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  }, 40_000);
});
