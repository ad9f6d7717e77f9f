import { StreamDeletedError, StreamNotFoundError, WrongExpectedVersionError } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import {
  appendNumbered,
  collect,
  numbersOf,
  uniqueStream,
  useEsdbLocal,
  watchSubscription,
} from '../../support/esdb-local.js';

const esdb = useEsdbLocal();

const readNumbers = async (stream: string) => numbersOf(await collect(esdb.client.readStream(stream)));

describe('a soft delete', () => {
  it('makes reads say the stream is not found', async () => {
    const stream = uniqueStream('soft');
    await appendNumbered(esdb.client, stream, 3);
    const result = await esdb.client.deleteStream(stream);
    expect(result.position?.commit).toBeGreaterThan(0n);
    await expect(collect(esdb.client.readStream(stream))).rejects.toThrow(StreamNotFoundError);
  });

  it('is undone by the next append, whose revisions continue where the stream ended', async () => {
    const stream = uniqueStream('soft-recreate');
    await appendNumbered(esdb.client, stream, 3);
    await esdb.client.deleteStream(stream, { expectedRevision: 2n });
    const result = await appendNumbered(esdb.client, stream, 2, { from: 3 });
    expect(result.nextExpectedRevision).toBe(4n);
    const events = await collect(esdb.client.readStream(stream));
    expect(events.map((resolved) => resolved.event!.revision)).toEqual([3n, 4n]);
    expect(numbersOf(events)).toEqual([3, 4]);
    // As in EventStoreDB, the delete replaced the metadata, and recreating moved its $tb.
    expect((await esdb.client.getStreamMetadata(stream)).metadata).toEqual({ truncateBefore: 3 });
  });

  it('is undone by new metadata, which keeps its own keys and hides the old events', async () => {
    const stream = uniqueStream('soft-metadata');
    await appendNumbered(esdb.client, stream, 3);
    await esdb.client.deleteStream(stream);
    await esdb.client.setStreamMetadata(stream, { owner: 'team-a', maxCount: 10 });
    expect((await esdb.client.getStreamMetadata(stream)).metadata).toEqual({
      owner: 'team-a',
      maxCount: 10,
      truncateBefore: 3,
    });
    expect(await readNumbers(stream)).toEqual([]);
    expect((await appendNumbered(esdb.client, stream, 1, { from: 3 })).nextExpectedRevision).toBe(3n);
    expect(await readNumbers(stream)).toEqual([3]);
  });

  it('lets no_stream recreate the stream, while stream_exists finds it deleted', async () => {
    const stream = uniqueStream('soft-expected');
    await appendNumbered(esdb.client, stream, 2);
    await esdb.client.deleteStream(stream);
    await expect(appendNumbered(esdb.client, stream, 1, { expectedRevision: 'stream_exists' })).rejects.toThrow(
      StreamDeletedError,
    );
    const result = await appendNumbered(esdb.client, stream, 1, { expectedRevision: 'no_stream', from: 2 });
    expect(result.nextExpectedRevision).toBe(2n);
    expect(await readNumbers(stream)).toEqual([2]);
  });

  it('records $tb = long.MaxValue in the stream metadata', async () => {
    const stream = uniqueStream('soft-tb');
    await appendNumbered(esdb.client, stream, 1);
    await esdb.client.deleteStream(stream);
    const [metadata] = await collect(
      esdb.client.readStream(`$$${stream}`, { direction: 'backwards', fromRevision: 'end', maxCount: 1 }),
    );
    expect(metadata!.event).toMatchObject({ type: '$metadata', isJson: true });
    // 9223372036854775807 as JSON.parse reads it: 2^63.
    expect(metadata!.event!.data).toEqual({ $tb: 2 ** 63 });
  });

  it('checks the expected revision, and refuses a stream that never existed', async () => {
    const stream = uniqueStream('soft-wev');
    await appendNumbered(esdb.client, stream, 2);
    await expect(esdb.client.deleteStream(stream, { expectedRevision: 0n })).rejects.toMatchObject({
      streamName: stream,
      expectedVersion: 0n,
      actualVersion: 1n,
    });
    await expect(esdb.client.deleteStream(uniqueStream('never'))).rejects.toThrow(WrongExpectedVersionError);
    expect(await readNumbers(stream)).toEqual([0, 1]);
  });
});

describe('a tombstone', () => {
  it('makes reads, appends and deletes fail with StreamDeletedError, for good', async () => {
    const stream = uniqueStream('tomb');
    await appendNumbered(esdb.client, stream, 2);
    const result = await esdb.client.tombstoneStream(stream, { expectedRevision: 1n });
    expect(result.position?.commit).toBeGreaterThan(0n);

    const expectDeleted = (promise: Promise<unknown>, name = stream) =>
      expect(promise).rejects.toSatisfy((error) => error instanceof StreamDeletedError && error.streamName === name);
    await expectDeleted(collect(esdb.client.readStream(stream)));
    await expectDeleted(collect(esdb.client.readStream(stream, { direction: 'backwards', fromRevision: 'end' })));
    await expectDeleted(appendNumbered(esdb.client, stream, 1));
    await expectDeleted(appendNumbered(esdb.client, stream, 1, { expectedRevision: 'no_stream' }));
    await expectDeleted(
      esdb.client.appendToStream(stream, [], { credentials: { username: 'admin', password: 'changeit' } }),
    );
    await expectDeleted(esdb.client.deleteStream(stream));
    await expectDeleted(esdb.client.tombstoneStream(stream));
    // Metadata is written to the metastream, which goes with its stream.
    await expectDeleted(esdb.client.setStreamMetadata(stream, { maxCount: 1 }), `$$${stream}`);
    await expectDeleted(collect(esdb.client.readStream(`$$${stream}`)), `$$${stream}`);
  });

  it('ends a live subscription to the stream with StreamDeletedError', async () => {
    const stream = uniqueStream('tomb-sub');
    await appendNumbered(esdb.client, stream, 1);
    const subscription = esdb.client.subscribeToStream(stream);
    const watched = watchSubscription(subscription);
    await watched.untilCaughtUp();
    await esdb.client.tombstoneStream(stream);
    await waitForError(watched);
    expect(watched.error).toBeInstanceOf(StreamDeletedError);
    expect(numbersOf(watched.events)).toEqual([0]);
  });

  it('refuses a new subscription to the stream with StreamDeletedError', async () => {
    const stream = uniqueStream('tomb-sub-later');
    await appendNumbered(esdb.client, stream, 1);
    await esdb.client.tombstoneStream(stream);
    const watched = watchSubscription(esdb.client.subscribeToStream(stream));
    await waitForError(watched);
    expect(watched.error).toBeInstanceOf(StreamDeletedError);
    expect(watched.events).toEqual([]);
  });

  it('shows in $all as a $streamDeleted event of the stream', async () => {
    const stream = uniqueStream('tomb-all');
    await appendNumbered(esdb.client, stream, 1);
    const { position } = await esdb.client.tombstoneStream(stream);
    const [tombstone] = await collect(esdb.client.readAll({ fromPosition: position!, maxCount: 1 }));
    expect(tombstone!.event).toMatchObject({ streamId: stream, type: '$streamDeleted' });
  });
});

const waitForError = (watched: ReturnType<typeof watchSubscription>) =>
  watched
    .until('the subscription to fail', () => watched.error !== undefined)
    .catch((error: unknown) => {
      // `until` rethrows the subscription's own error as soon as it is recorded: that is the success case.
      if (watched.error === undefined) throw error;
    });

describe('deletions of streams not touched in a while', () => {
  it('still hold once more than ten thousand other streams were written since', async () => {
    const tombstoned = uniqueStream('old-tomb');
    const softDeleted = uniqueStream('old-soft');
    await appendNumbered(esdb.client, tombstoned, 1);
    await esdb.client.tombstoneStream(tombstoned);
    await appendNumbered(esdb.client, softDeleted, 2);
    await esdb.client.deleteStream(softDeleted);
    // The writer keeps what it knows of streams for the latest ten thousand or so; these two
    // fall out of it and must be read back from the log as they were.
    const others = Array.from({ length: 12_000 }, () => uniqueStream('filler'));
    for (let index = 0; index < others.length; index += 200) {
      await Promise.all(others.slice(index, index + 200).map((stream) => appendNumbered(esdb.client, stream, 1)));
    }
    await expect(appendNumbered(esdb.client, tombstoned, 1)).rejects.toThrow(StreamDeletedError);
    const recreated = await appendNumbered(esdb.client, softDeleted, 1, { expectedRevision: 'no_stream', from: 2 });
    expect(recreated.nextExpectedRevision).toBe(2n);
    expect(await readNumbers(softDeleted)).toEqual([2]);
  });
});
