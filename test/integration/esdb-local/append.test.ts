import { randomUUID } from 'node:crypto';
import {
  type AppendToStreamOptions,
  binaryEvent,
  DeadlineExceededError,
  jsonEvent,
  MaxAppendSizeExceededError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import type { BatchAppendReq } from '@eventstore/db-client/generated/streams_pb.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  appendNumbered,
  collect,
  numberedEvents,
  numbersOf,
  uniqueStream,
  useEsdbLocal,
} from '../../support/esdb-local.js';

const esdb = useEsdbLocal();
afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * The client appends through BatchAppend when ServerFeatures lists it, and through Append when
 * a call carries credentials (connection.test.ts proves which RPC each option takes).
 */
const rpcs = [
  { rpc: 'BatchAppend', options: {} },
  { rpc: 'Append', options: { credentials: { username: 'admin', password: 'changeit' } } },
] satisfies { rpc: string; options: AppendToStreamOptions }[];

/** The rejection of `promise`, which must reject. */
const failureOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure, got success');
};

const streamExists = async (stream: string): Promise<boolean> => {
  try {
    await collect(esdb.client.readStream(stream));
    return true;
  } catch (error) {
    if (error instanceof StreamNotFoundError) return false;
    throw error;
  }
};

describe.each(rpcs)('appending through $rpc', ({ options }) => {
  const append = (stream: string, events: Parameters<typeof esdb.client.appendToStream>[1], more = {}) =>
    esdb.client.appendToStream(stream, events, { ...options, ...more });

  const expectWrongExpectedVersion = async (
    promise: Promise<unknown>,
    stream: string,
    expected: unknown,
    actual: unknown,
  ) => {
    const error = await failureOf(promise);
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ streamName: stream, expectedVersion: expected, actualVersion: actual });
  };

  describe('expected revision', () => {
    it('any: writes to a new stream and to an existing one', async () => {
      const stream = uniqueStream();
      expect((await append(stream, numberedEvents(2), { expectedRevision: 'any' })).nextExpectedRevision).toBe(1n);
      expect((await append(stream, numberedEvents(1), { expectedRevision: 'any' })).nextExpectedRevision).toBe(2n);
    });

    it('no_stream: writes a new stream, and refuses an existing one with its actual revision', async () => {
      const stream = uniqueStream();
      expect((await append(stream, numberedEvents(2), { expectedRevision: 'no_stream' })).nextExpectedRevision).toBe(
        1n,
      );
      await expectWrongExpectedVersion(
        append(stream, numberedEvents(1), { expectedRevision: 'no_stream' }),
        stream,
        'no_stream',
        1n,
      );
    });

    it('stream_exists: refuses a missing stream as no_stream, and writes an existing one', async () => {
      const stream = uniqueStream();
      await expectWrongExpectedVersion(
        append(stream, numberedEvents(1), { expectedRevision: 'stream_exists' }),
        stream,
        'stream_exists',
        'no_stream',
      );
      await append(stream, numberedEvents(1), { expectedRevision: 'no_stream' });
      expect(
        (await append(stream, numberedEvents(1), { expectedRevision: 'stream_exists' })).nextExpectedRevision,
      ).toBe(1n);
    });

    it('exact: writes at the current revision, and refuses any other with the actual one', async () => {
      const stream = uniqueStream();
      await expectWrongExpectedVersion(
        append(stream, numberedEvents(1), { expectedRevision: 0n }),
        stream,
        0n,
        'no_stream',
      );
      await append(stream, numberedEvents(3), { expectedRevision: 'no_stream' });
      await expectWrongExpectedVersion(append(stream, numberedEvents(1), { expectedRevision: 5n }), stream, 5n, 2n);
      await expectWrongExpectedVersion(append(stream, numberedEvents(1), { expectedRevision: 1n }), stream, 1n, 2n);
      expect((await append(stream, numberedEvents(1), { expectedRevision: 2n })).nextExpectedRevision).toBe(3n);
      expect(numbersOf(await collect(esdb.client.readStream(stream)))).toEqual([0, 1, 2, 0]);
    });
  });

  it('answers with the last revision written and the $all position of the last event', async () => {
    const stream = uniqueStream();
    const first = await append(stream, numberedEvents(3));
    const second = await append(stream, numberedEvents(2, { from: 3 }));
    expect(first.success && second.success).toBe(true);
    expect(second.nextExpectedRevision).toBe(4n);
    expect(second.position!.commit).toBeGreaterThan(first.position!.commit);
    expect(second.position!.prepare).toBe(second.position!.commit);

    const events = await collect(esdb.client.readStream(stream));
    expect(events[2]!.event!.position).toEqual(first.position);
    expect(events[4]!.event!.position).toEqual(second.position);
    const [lastInAll] = await collect(
      esdb.client.readAll({ fromPosition: second.position!, maxCount: 1, direction: 'forwards' }),
    );
    expect(lastInAll!.event!.id).toBe(events[4]!.event!.id);
  });

  it('refuses an append over 1 MiB with MaxAppendSizeExceededError and writes none of it', async () => {
    const stream = uniqueStream();
    const halfMiB = () => binaryEvent({ type: 'Blob', data: new Uint8Array(512 * 1024) });
    const error = await failureOf(append(stream, [halfMiB(), halfMiB(), halfMiB()]));
    expect(error).toBeInstanceOf(MaxAppendSizeExceededError);
    expect(error).toMatchObject({ maxAppendSize: 1_048_576 });
    expect(await streamExists(stream)).toBe(false);
  });

  it('accepts an append of exactly 1 MiB, counted as EventStoreDB does (data, metadata, type twice)', async () => {
    const stream = uniqueStream();
    const type = 'Blob';
    const metadata = new Uint8Array(100);
    const data = new Uint8Array(1_048_576 - metadata.byteLength - 2 * type.length);
    const result = await append(stream, binaryEvent({ type, data, metadata }));
    expect(result.nextExpectedRevision).toBe(0n);
    const [read] = await collect(esdb.client.readStream(stream));
    expect((read!.event!.data as Uint8Array).byteLength).toBe(data.byteLength);
  });

  it('fails with DeadlineExceededError when the deadline has already passed, writing nothing', async () => {
    const stream = uniqueStream();
    expect(await failureOf(append(stream, numberedEvents(1), { deadline: 0 }))).toBeInstanceOf(DeadlineExceededError);
    expect(await streamExists(stream)).toBe(false);
  });

  describe('idempotence', () => {
    it('answers a repeated append (same ids, no_stream) with the original revision and position, once written', async () => {
      const stream = uniqueStream();
      const events = numberedEvents(3);
      const first = await append(stream, events, { expectedRevision: 'no_stream' });
      const again = await append(stream, events, { expectedRevision: 'no_stream' });
      expect(again).toEqual(first);
      expect(numbersOf(await collect(esdb.client.readStream(stream)))).toEqual([0, 1, 2]);
    });

    it('answers a repeated append with expected revision any from its recent ids', async () => {
      const stream = uniqueStream();
      await appendNumbered(esdb.client, stream, 1);
      const events = numberedEvents(2, { from: 1 });
      const first = await append(stream, events, { expectedRevision: 'any' });
      await append(stream, numberedEvents(1, { from: 3 }), { expectedRevision: 'any' });
      const again = await append(stream, events, { expectedRevision: 'any' });
      expect(again).toEqual(first);
      expect(numbersOf(await collect(esdb.client.readStream(stream)))).toEqual([0, 1, 2, 3]);
    });

    it('answers a repeated append at an exact revision, even after the stream moved on', async () => {
      const stream = uniqueStream();
      await appendNumbered(esdb.client, stream, 1);
      const events = numberedEvents(2, { from: 1 });
      const first = await append(stream, events, { expectedRevision: 0n });
      await append(stream, numberedEvents(1, { from: 3 }), { expectedRevision: 2n });
      const again = await append(stream, events, { expectedRevision: 0n });
      expect(again).toEqual(first);
      expect(numbersOf(await collect(esdb.client.readStream(stream)))).toEqual([0, 1, 2, 3]);
    });

    it('answers a repeated prefix of an earlier append with the revision of the prefix', async () => {
      const stream = uniqueStream();
      const events = numberedEvents(3);
      await append(stream, events, { expectedRevision: 'no_stream' });
      const prefix = await append(stream, events.slice(0, 1), { expectedRevision: 'no_stream' });
      expect(prefix.nextExpectedRevision).toBe(0n);
      const [firstEvent] = await collect(esdb.client.readStream(stream, { maxCount: 1 }));
      expect(prefix.position).toEqual(firstEvent!.event!.position);
    });

    it('writes identical appends sent at the same moment once, answering both alike', async () => {
      const stream = uniqueStream();
      const events = numberedEvents(3);
      const [first, second] = await Promise.all([
        append(stream, events, { expectedRevision: 'no_stream' }),
        append(stream, events, { expectedRevision: 'no_stream' }),
      ]);
      expect(second).toEqual(first);
      expect(numbersOf(await collect(esdb.client.readStream(stream)))).toEqual([0, 1, 2]);
    });

    it('refuses a partial overlap with an earlier append as a wrong expected version', async () => {
      const stream = uniqueStream();
      const events = numberedEvents(2);
      await append(stream, events, { expectedRevision: 'no_stream' });
      const overlapping = [...events, ...numberedEvents(1, { from: 2 })];
      await expectWrongExpectedVersion(
        append(stream, overlapping, { expectedRevision: 'no_stream' }),
        stream,
        'no_stream',
        1n,
      );
      await expectWrongExpectedVersion(
        append(stream, [events[1]!, ...numberedEvents(1, { from: 2 })], { expectedRevision: 'any' }),
        stream,
        'any',
        1n,
      );
      expect(numbersOf(await collect(esdb.client.readStream(stream)))).toEqual([0, 1]);
    });
  });

  it('keeps events of concurrent appends apart, each answered with its own outcome', async () => {
    const streams = Array.from({ length: 20 }, () => uniqueStream('concurrent'));
    await Promise.all(streams.slice(0, 10).map((stream) => appendNumbered(esdb.client, stream, 1)));
    // Streams 0-9 exist (no_stream fails there), 10-19 do not (no_stream succeeds).
    const outcomes = await Promise.allSettled(
      streams.map((stream, index) =>
        append(stream, numberedEvents(index + 1, { type: `Sized${index + 1}` }), { expectedRevision: 'no_stream' }),
      ),
    );
    outcomes.forEach((outcome, index) => {
      if (index < 10) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({ streamName: streams[index] });
      } else {
        expect(outcome).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: BigInt(index) } });
      }
    });
    for (const [index, stream] of streams.entries()) {
      const events = await collect(esdb.client.readStream(stream));
      const types = new Set(events.map((resolved) => resolved.event!.type));
      expect(types).toEqual(new Set([index < 10 ? 'Numbered' : `Sized${index + 1}`]));
    }
  });
});

/** Every BatchAppend request message the client sends from now on (through clients created after this). */
const recordBatchAppendRequests = (): BatchAppendReq[] => {
  const sent: BatchAppendReq[] = [];
  const { prototype } = streamsGrpc.StreamsClient;
  const original = prototype.batchAppend;
  vi.spyOn(prototype, 'batchAppend').mockImplementation(function (this: typeof prototype, ...args) {
    const call = original.apply(this, args as Parameters<typeof original>);
    const write = call.write.bind(call);
    call.write = (request: BatchAppendReq, ...rest: unknown[]) => {
      sent.push(request);
      return (write as (...all: unknown[]) => boolean)(request, ...rest);
    };
    return call;
  });
  return sent;
};

describe('BatchAppend', () => {
  it('takes one append spread over several messages as one atomic write', async () => {
    const stream = uniqueStream('chunked');
    const events = Array.from({ length: 200 }, (_, n) =>
      jsonEvent({ type: 'Chunked', data: { n, padding: 'x'.repeat(200) } }),
    );
    const sent = recordBatchAppendRequests();
    // About 300 bytes an event in 4 KiB messages: some fifteen messages for one write.
    const result = await esdb.connect().appendToStream(stream, events, {
      expectedRevision: 'no_stream',
      batchAppendSize: 4096,
    });
    expect(result.nextExpectedRevision).toBe(199n);
    expect(sent.length).toBeGreaterThan(10);
    expect(sent.map((request) => request.getIsFinal())).toEqual([...Array(sent.length - 1).fill(false), true]);
    expect(sent.filter((request) => request.hasOptions())).toHaveLength(1);
    const read = await collect(esdb.client.readStream(stream));
    expect(numbersOf(read)).toEqual(events.map((_, n) => n));
    // One write: every event shares the append's position range, ending at the answer's position.
    expect(read[199]!.event!.position).toEqual(result.position);
  });

  it('correlates many appends in flight on the one call, across streams and on the same stream', async () => {
    const shared = uniqueStream('correlated');
    const own = Array.from({ length: 30 }, () => uniqueStream('correlated'));
    const ids = Array.from({ length: 30 }, () => randomUUID());
    const results = await Promise.all([
      ...own.map((stream, index) =>
        esdb.client.appendToStream(stream, numberedEvents(index + 1), { expectedRevision: 'no_stream' }),
      ),
      ...ids.map((id, n) => esdb.client.appendToStream(shared, jsonEvent({ id, type: 'Shared', data: { n } }))),
    ]);
    expect(results.slice(0, 30).map((result) => result.nextExpectedRevision)).toEqual(
      own.map((_, index) => BigInt(index)),
    );
    const sharedRevisions = results.slice(30).map((result) => result.nextExpectedRevision);
    expect(new Set(sharedRevisions).size).toBe(30);
    const read = await collect(esdb.client.readStream(shared));
    for (const [n, id] of ids.entries()) {
      const stored = read.find((resolved) => resolved.event!.id === id)!;
      expect(stored.event!.revision).toBe(sharedRevisions[n]);
      expect(stored.event!.data).toEqual({ n });
    }
  });
});
