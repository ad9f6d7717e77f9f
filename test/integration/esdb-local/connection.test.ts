import { type EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collect, uniqueStream, useEsdbLocal } from '../../support/esdb-local.js';
import { closedPort } from '../../support/raw-http.js';

const esdb = useEsdbLocal();
afterEach(() => {
  vi.restoreAllMocks();
});

/** Writes one event and reads it back through `client`. */
const roundTrip = async (client: EventStoreDBClient): Promise<unknown> => {
  const stream = uniqueStream('connection');
  await client.appendToStream(stream, jsonEvent({ type: 'Pinged', data: { at: 1 } }));
  const [read] = await collect(client.readStream(stream));
  return read?.event?.data;
};

describe('connecting', () => {
  it('connects directly to a single host given as esdb://host:port?tls=false', async () => {
    expect(esdb.server.connectionString).toMatch(/^esdb:\/\/127\.0\.0\.1:\d+\?tls=false$/);
    expect(await roundTrip(esdb.client)).toEqual({ at: 1 });
  });

  it('connects through gossip with esdb+discover://', async () => {
    const client = esdb.connect(`esdb+discover://127.0.0.1:${esdb.server.port}?tls=false`);
    expect(await roundTrip(client)).toEqual({ at: 1 });
  });

  it('connects through gossip when given several hosts, one of them down', async () => {
    const down = await closedPort();
    const client = esdb.connect(
      `esdb://127.0.0.1:${down},127.0.0.1:${esdb.server.port}?tls=false&discoveryInterval=10&maxDiscoverAttempts=20`,
    );
    expect(await roundTrip(client)).toEqual({ at: 1 });
  });
});

describe('server features', () => {
  it('make the client append through BatchAppend, and credentials force Append with the same outcome', async () => {
    const { StreamsClient } = streamsGrpc;
    const batchAppend = vi.spyOn(StreamsClient.prototype, 'batchAppend');
    const append = vi.spyOn(StreamsClient.prototype, 'append');
    const client = esdb.connect();
    const fast = uniqueStream('features');
    const slow = uniqueStream('features');
    const events = () => [jsonEvent({ type: 'A', data: { n: 0 } }), jsonEvent({ type: 'B', data: { n: 1 } })];

    const viaBatch = await client.appendToStream(fast, events(), { expectedRevision: 'no_stream' });
    expect(batchAppend).toHaveBeenCalledTimes(1);
    expect(append).not.toHaveBeenCalled();

    const viaAppend = await client.appendToStream(slow, events(), {
      expectedRevision: 'no_stream',
      credentials: { username: 'admin', password: 'changeit' },
    });
    expect(append).toHaveBeenCalledTimes(1);
    expect(batchAppend).toHaveBeenCalledTimes(1);

    expect(viaBatch.success && viaAppend.success).toBe(true);
    expect(viaBatch.nextExpectedRevision).toBe(1n);
    expect(viaAppend.nextExpectedRevision).toBe(1n);
    expect(viaAppend.position!.commit).toBeGreaterThan(viaBatch.position!.commit);
    const types = async (stream: string) => (await collect(client.readStream(stream))).map((e) => e.event?.type);
    expect(await types(fast)).toEqual(['A', 'B']);
    expect(await types(slow)).toEqual(['A', 'B']);
  });
});
