import { randomInt, randomUUID } from 'node:crypto';
import { readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { type AppendExpectedRevision, EventStoreDBClient, jsonEvent, StreamNotFoundError } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../support/cleanups.js';
import { collect, numbersOf, temporaryDirectory } from '../support/esdb-local.js';
import { type EsdbLocalProcess, startEsdbLocalProcess } from '../support/esdb-local-process.js';
import { waitFor } from '../support/wait-for.js';

/*
 * esdb-local's promise, tested on the real process: every acknowledged append survives kill -9 at
 * any moment, nothing unacknowledged is ever half there, and a torn tail is cut off on restart.
 */

const cleanUp = useCleanups();

const directory = (): string => {
  const dir = temporaryDirectory('esdb-local-durability-');
  cleanUp(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

const start = async (dir: string): Promise<{ server: EsdbLocalProcess; client: EventStoreDBClient }> => {
  const server = await startEsdbLocalProcess(dir);
  const client = EventStoreDBClient.connectionString(server.connectionString);
  cleanUp(
    () => client.dispose(),
    () => server.stop('SIGKILL'),
  );
  return { server, client };
};

/** One append a writer tried: its events, what each carried, and whether the server said yes. */
interface Attempt {
  readonly stream: string;
  readonly events: { readonly id: string; readonly data: { writer: number; seq: number; pad: string } }[];
  acknowledged: boolean;
}

/**
 * `writers` writers, each appending batches of 1-4 events of random size to its own stream at
 * the revision it knows, until an append fails (the server is gone). Returns every attempt.
 */
const writeUntilFailure = (client: EventStoreDBClient, streams: string[], known: Map<string, bigint | undefined>) => {
  const attempts: Attempt[] = [];
  const writing = streams.map(async (stream, writer) => {
    for (let seq = 0; ; seq++) {
      const attempt: Attempt = {
        stream,
        events: Array.from({ length: randomInt(1, 5) }, (_, index) => ({
          id: randomUUID(),
          data: { writer, seq: seq * 10 + index, pad: 'p'.repeat(randomInt(0, 3000)) },
        })),
        acknowledged: false,
      };
      attempts.push(attempt);
      const current = known.get(stream);
      const expectedRevision: AppendExpectedRevision = current === undefined ? 'no_stream' : current;
      try {
        const result = await client.appendToStream(
          stream,
          attempt.events.map(({ id, data }) => jsonEvent({ id, type: 'Durable', data })),
          { expectedRevision },
        );
        attempt.acknowledged = true;
        known.set(stream, result.nextExpectedRevision);
      } catch {
        return;
      }
    }
  });
  return { attempts, done: Promise.all(writing) };
};

/** The stream's events, or none when it does not exist. */
const readAllOf = async (client: EventStoreDBClient, stream: string) => {
  try {
    return await collect(client.readStream(stream));
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
};

describe('esdb-local on disk', () => {
  it('keeps every acknowledged append through kill -9 mid-write, and nothing half-written', async () => {
    const dir = directory();
    const streams = Array.from({ length: 16 }, (_, writer) => `durable${writer}-${randomUUID()}`);
    const known = new Map<string, bigint | undefined>();
    const attempts: Attempt[] = [];
    let { server, client } = await start(dir);

    for (let round = 0; round < 4; round++) {
      const writing = writeUntilFailure(client, streams, known);
      const acknowledgedSoFar = () => writing.attempts.filter((attempt) => attempt.acknowledged).length;
      await waitFor('appends to be acknowledged', () => acknowledgedSoFar() >= 50 + randomInt(0, 200));
      // The first round stops cleanly under load, which leaves an index checkpoint: later
      // restarts load it and replay only the log written after it.
      await server.stop(round === 0 ? 'SIGTERM' : 'SIGKILL');
      await writing.done;
      attempts.push(...writing.attempts);
      ({ server, client } = await start(dir));
      expect(server.output()).not.toMatch(/scanning the whole log/);
      if (round > 0) expect(server.output()).toMatch(/replayed \d+ bytes of log/);

      // Every event present is one that was sent, whole, at gap-free revisions, appends all-or-nothing.
      const sent = new Map(attempts.flatMap((attempt) => attempt.events.map((event) => [event.id, event.data])));
      const present = new Set<string>();
      for (const stream of streams) {
        const events = await readAllOf(client, stream);
        expect(events.map((resolved) => resolved.event!.revision)).toEqual(events.map((_, index) => BigInt(index)));
        for (const resolved of events) {
          expect(resolved.event!.data).toEqual(sent.get(resolved.event!.id));
          present.add(resolved.event!.id);
        }
        known.set(stream, events.length === 0 ? undefined : BigInt(events.length - 1));
      }
      for (const attempt of attempts) {
        const found = attempt.events.filter((event) => present.has(event.id)).length;
        expect([0, attempt.events.length]).toContain(found);
        if (attempt.acknowledged) expect(found).toBe(attempt.events.length);
      }
      expect(attempts.some((attempt) => !attempt.acknowledged)).toBe(true);
    }
  });

  it('cuts a torn last record off on restart and stays readable and appendable', async () => {
    const dir = directory();
    const stream = `torn-${randomUUID()}`;
    const first = await start(dir);
    for (let n = 0; n < 20; n++) {
      await first.client.appendToStream(stream, jsonEvent({ type: 'Torn', data: { n, pad: 'x'.repeat(500) } }));
    }
    await first.client.dispose();
    expect(await first.server.stop('SIGTERM')).toBe(0);

    const segments = readdirSync(dir)
      .filter((name) => name.endsWith('.segment'))
      .sort();
    const last = join(dir, segments[segments.length - 1]!);
    // The last record holds some 550 bytes: cutting 200 leaves it torn in the middle.
    truncateSync(last, statSync(last).size - 200);

    const { server, client } = await start(dir);
    expect(numbersOf(await collect(client.readStream(stream)))).toEqual(Array.from({ length: 19 }, (_, n) => n));
    const result = await client.appendToStream(stream, jsonEvent({ type: 'Torn', data: { n: 19 } }), {
      expectedRevision: 18n,
    });
    expect(result.nextExpectedRevision).toBe(19n);
    expect(numbersOf(await collect(client.readStream(stream, { fromRevision: 17n })))).toEqual([17, 18, 19]);
    expect(server.output()).toMatch(/dropped \d+ bytes of unacknowledged tail/);
  });

  it('keeps everything through a clean restart, continuing revisions and positions', async () => {
    const dir = directory();
    const stream = `restart-${randomUUID()}`;
    const first = await start(dir);
    const firstEvents = [jsonEvent({ type: 'Kept', data: { n: 0 } }), jsonEvent({ type: 'Kept', data: { n: 1 } })];
    const before = await first.client.appendToStream(stream, firstEvents, { expectedRevision: 'no_stream' });
    await first.client.setStreamMetadata(stream, { maxCount: 10, owner: 'a' });
    const allBefore = await collect(first.client.readAll());
    // Stopping does not wait for the client, whose BatchAppend call and subscription stay open.
    const subscription = first.client.subscribeToAll();
    await new Promise((resolve) => subscription.once('caughtUp', resolve));
    subscription.on('error', () => {});
    const stopping = Date.now();
    expect(await first.server.stop('SIGTERM')).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(2_000);

    const { client } = await start(dir);
    expect(numbersOf(await collect(client.readStream(stream)))).toEqual([0, 1]);
    // A retried append is still recognised: by the events stored at the revisions it names.
    expect(await client.appendToStream(stream, firstEvents, { expectedRevision: 'no_stream' })).toEqual(before);
    expect((await client.getStreamMetadata(stream)).metadata).toEqual({ maxCount: 10, owner: 'a' });
    const after = await client.appendToStream(stream, jsonEvent({ type: 'Kept', data: { n: 2 } }), {
      expectedRevision: 1n,
    });
    expect(after.nextExpectedRevision).toBe(2n);
    expect(after.position!.commit).toBeGreaterThan(before.position!.commit);
    // $all keeps its history as it was, then the new start's epoch (hidden) and the new event.
    const allAfter = await collect(client.readAll());
    expect(allAfter.slice(0, allBefore.length)).toEqual(allBefore);
    expect(allAfter.slice(allBefore.length).map((resolved) => resolved.event!.streamId)).toEqual([stream]);
  });
});
