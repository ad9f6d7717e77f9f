import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  binaryEvent,
  END,
  FORWARDS,
  jsonEvent,
  START,
  StreamNotFoundError,
} from '@eventstore/db-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendNumbered, collect, numbersOf, uniqueStream, useEsdbLocal } from '../../support/esdb-local.js';

const esdb = useEsdbLocal();

const ofStream = (stream: string) => (events: AllStreamResolvedEvent[]) =>
  events.filter((resolved) => resolved.event?.streamId === stream);

describe('reading a stream', () => {
  let stream: string;
  beforeAll(async () => {
    stream = uniqueStream('read');
    await appendNumbered(esdb.client, stream, 10);
  });
  const read = (options: Parameters<typeof esdb.client.readStream>[1]) =>
    collect(esdb.client.readStream(stream, options)).then(numbersOf);

  it('reads forwards from the start', async () => {
    expect(await read({ fromRevision: START, direction: FORWARDS })).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('reads backwards from the end', async () => {
    expect(await read({ fromRevision: END, direction: BACKWARDS })).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('reads forwards and backwards from a revision, which is included', async () => {
    expect(await read({ fromRevision: 7n, direction: FORWARDS })).toEqual([7, 8, 9]);
    expect(await read({ fromRevision: 2n, direction: BACKWARDS })).toEqual([2, 1, 0]);
  });

  it('reads nothing forwards from the end, and only the first event backwards from the start', async () => {
    expect(await read({ fromRevision: END, direction: FORWARDS })).toEqual([]);
    expect(await read({ fromRevision: START, direction: BACKWARDS })).toEqual([0]);
  });

  it('stops at maxCount', async () => {
    expect(await read({ fromRevision: 3n, maxCount: 4 })).toEqual([3, 4, 5, 6]);
    expect(await read({ fromRevision: END, direction: BACKWARDS, maxCount: 2 })).toEqual([9, 8]);
  });

  it('reads past the last revision as nothing', async () => {
    expect(await read({ fromRevision: 100n })).toEqual([]);
  });

  it('fails with StreamNotFoundError naming a stream that was never written', async () => {
    const missing = uniqueStream('missing');
    await expect(collect(esdb.client.readStream(missing))).rejects.toThrow(StreamNotFoundError);
    await expect(collect(esdb.client.readStream(missing))).rejects.toMatchObject({ streamName: missing });
  });
});

describe('an event as read', () => {
  it('carries its id, stream, revision, type, content type, creation time and position', async () => {
    const stream = uniqueStream('shape');
    const before = Date.now();
    const event = jsonEvent({ type: 'Shaped', data: { nested: { list: [1, 'two'] } } });
    const result = await esdb.client.appendToStream(stream, event);
    const [read] = await collect(esdb.client.readStream(stream));
    expect(read!.link).toBeUndefined();
    expect(read!.event).toMatchObject({
      id: event.id,
      streamId: stream,
      revision: 0n,
      type: 'Shaped',
      isJson: true,
      data: { nested: { list: [1, 'two'] } },
      metadata: undefined,
      position: result.position,
    });
    const created = read!.event!.created.getTime();
    expect(created).toBeGreaterThanOrEqual(before - 1);
    expect(created).toBeLessThanOrEqual(Date.now());
  });

  it('keeps custom metadata as JSON and as bytes, and binary data byte for byte', async () => {
    const stream = uniqueStream('payloads');
    const bytes = new Uint8Array([0, 255, 1, 254, 0x7b]);
    const notJson = new Uint8Array([0xff, 0x00, 0x13]);
    await esdb.client.appendToStream(stream, [
      jsonEvent({ type: 'WithJsonMetadata', data: { a: 1 }, metadata: { correlationId: 'c-1', causation: [1, 2] } }),
      binaryEvent({ type: 'WithBinaryMetadata', data: bytes, metadata: notJson }),
      binaryEvent({ type: 'Empty', data: new Uint8Array(0) }),
    ]);
    const [json, binary, empty] = await collect(esdb.client.readStream(stream));
    expect(json!.event).toMatchObject({
      isJson: true,
      data: { a: 1 },
      metadata: { correlationId: 'c-1', causation: [1, 2] },
    });
    expect(binary!.event!.isJson).toBe(false);
    expect(Buffer.from(binary!.event!.data as Uint8Array)).toEqual(Buffer.from(bytes));
    expect(Buffer.from(binary!.event!.metadata as Uint8Array)).toEqual(Buffer.from(notJson));
    expect((empty!.event!.data as Uint8Array).byteLength).toBe(0);
    expect(empty!.event!.metadata).toBeUndefined();
  });

  it('keeps stream names, types and payloads in any script', async () => {
    const stream = uniqueStream('überstrom-流-🚀');
    const event = jsonEvent({ type: 'Événement-事件', data: { text: 'ça va? 你好 🎉' }, metadata: { note: 'ñ' } });
    await esdb.client.appendToStream(stream, event);
    const [read] = await collect(esdb.client.readStream(stream));
    expect(read!.event).toMatchObject({
      streamId: stream,
      type: 'Événement-事件',
      data: { text: 'ça va? 你好 🎉' },
      metadata: { note: 'ñ' },
    });
    const [inAll] = await collect(esdb.client.readAll({ fromPosition: read!.event!.position, maxCount: 1 }));
    expect(inAll!.event!.streamId).toBe(stream);
  });
});

describe('reading $all', () => {
  it('reads forwards from the start and backwards from the end, in log order', async () => {
    const stream = uniqueStream('all');
    await appendNumbered(esdb.client, stream, 5);
    const forwards = ofStream(stream)(await collect(esdb.client.readAll({ fromPosition: START, direction: FORWARDS })));
    expect(numbersOf(forwards)).toEqual([0, 1, 2, 3, 4]);
    const backwards = await collect(esdb.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 5 }));
    expect(numbersOf(backwards)).toEqual([4, 3, 2, 1, 0]);
    const positions = forwards.map((resolved) => resolved.event!.position.commit);
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    expect(forwards.map((resolved) => resolved.commitPosition)).toEqual(positions);
  });

  it('reads forwards from a position (included) and backwards from one (excluded)', async () => {
    const stream = uniqueStream('all-position');
    await appendNumbered(esdb.client, stream, 6);
    const events = await collect(esdb.client.readStream(stream));
    const third = events[2]!.event!.position;
    const after = await collect(esdb.client.readAll({ fromPosition: third, direction: FORWARDS, maxCount: 3 }));
    expect(numbersOf(after)).toEqual([2, 3, 4]);
    const before = await collect(esdb.client.readAll({ fromPosition: third, direction: BACKWARDS, maxCount: 2 }));
    expect(numbersOf(before)).toEqual([1, 0]);
  });

  it('reads nothing forwards from the end', async () => {
    await appendNumbered(esdb.client, uniqueStream('all-end'), 1);
    expect(await collect(esdb.client.readAll({ fromPosition: END, direction: FORWARDS }))).toEqual([]);
  });

  it('stops at maxCount', async () => {
    const events = await collect(esdb.client.readAll({ fromPosition: START, maxCount: 3 }));
    expect(events).toHaveLength(3);
  });
});

describe('resolving links', () => {
  let target: string;
  let links: string;
  beforeAll(async () => {
    target = uniqueStream('target');
    links = uniqueStream('links');
    await appendNumbered(esdb.client, target, 3);
    const link = (to: string) => binaryEvent({ type: '$>', data: Buffer.from(to) });
    await esdb.client.appendToStream(links, [link(`2@${target}`), link(`0@${target}`), link(`7@${target}`)]);
  });

  it('returns the link events themselves when not asked to resolve', async () => {
    const read = await collect(esdb.client.readStream(links));
    expect(read.map((resolved) => resolved.event!.type)).toEqual(['$>', '$>', '$>']);
    expect(read.every((resolved) => resolved.link === undefined)).toBe(true);
  });

  it('returns each target with its link, and a link alone when its target does not exist', async () => {
    const read = await collect(esdb.client.readStream(links, { resolveLinkTos: true }));
    expect(read.map((resolved) => resolved.event && (resolved.event.data as { n: number }).n)).toEqual([
      2,
      0,
      undefined,
    ]);
    expect(read.map((resolved) => resolved.link?.revision)).toEqual([0n, 1n, 2n]);
    expect(read[0]!.event).toMatchObject({ streamId: target, revision: 2n });
    expect(read[0]!.link).toMatchObject({ streamId: links, type: '$>' });
  });

  it('resolves links read from $all too, positioned at the link', async () => {
    const fromLinks = (await collect(esdb.client.readAll({ resolveLinkTos: true }))).filter(
      (resolved) => resolved.link?.streamId === links,
    );
    expect(fromLinks.map((resolved) => resolved.event?.revision)).toEqual([2n, 0n, undefined]);
    expect(fromLinks.map((resolved) => resolved.commitPosition)).toEqual(
      fromLinks.map((resolved) => resolved.link!.position!.commit),
    );
  });
});
