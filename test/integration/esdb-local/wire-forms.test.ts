import { randomUUID } from 'node:crypto';
import shared from '@eventstore/db-client/generated/shared_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streams from '@eventstore/db-client/generated/streams_pb.js';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type EsdbLocalFixture, startEsdbLocalFixture, uniqueStream } from '../../support/esdb-local.js';

/*
 * Wire forms other EventStoreDB clients use and @eventstore/db-client does not: sent here with
 * that package's generated gRPC client, so still over the real protocol.
 */

let esdb: EsdbLocalFixture;
let raw: InstanceType<typeof streamsGrpc.StreamsClient>;
beforeAll(async () => {
  esdb = await startEsdbLocalFixture();
  raw = new streamsGrpc.StreamsClient(`127.0.0.1:${esdb.server.port}`, credentials.createInsecure());
});
afterAll(async () => {
  raw.close();
  await esdb.stop();
});

/** A UUID as the structured form sends it: two signed 64-bit halves, as decimal strings. */
const structured = (uuid: string): InstanceType<typeof shared.UUID> => {
  const hex = uuid.replaceAll('-', '');
  const half = (part: string) => BigInt.asIntN(64, BigInt(`0x${part}`)).toString();
  return new shared.UUID().setStructured(
    new shared.UUID.Structured()
      .setMostSignificantBits(half(hex.slice(0, 16)))
      .setLeastSignificantBits(half(hex.slice(16))),
  );
};

const fromStructured = (uuid: InstanceType<typeof shared.UUID.Structured>): string => {
  const half = (text: string) => BigInt.asUintN(64, BigInt(text)).toString(16).padStart(16, '0');
  const hex = half(uuid.getMostSignificantBits()) + half(uuid.getLeastSignificantBits());
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

describe('wire forms beyond the official Node client', () => {
  it('accepts event ids as structured UUIDs and answers reads that ask for structured ids', async () => {
    const stream = uniqueStream('structured');
    // A UUID whose halves both have the top bit set: negative as signed 64-bit numbers.
    const id = `f${randomUUID().slice(1, 19)}9${randomUUID().slice(20)}`;
    const response = await new Promise<InstanceType<typeof streams.AppendResp>>((resolve, reject) => {
      const call = raw.append((error: ServiceError | null, answer?: InstanceType<typeof streams.AppendResp>) =>
        error ? reject(error) : resolve(answer!),
      );
      const options = new streams.AppendReq.Options()
        .setStreamIdentifier(new shared.StreamIdentifier().setStreamName(Buffer.from(stream)))
        .setNoStream(new shared.Empty());
      call.write(new streams.AppendReq().setOptions(options));
      const message = new streams.AppendReq.ProposedMessage().setId(structured(id)).setData(Buffer.from('{"a":1}'));
      message.getMetadataMap().set('type', 'Structured').set('content-type', 'application/json');
      call.write(new streams.AppendReq().setProposedMessage(message));
      call.end();
    });
    expect(response.hasSuccess()).toBe(true);

    // The official client reads ids as strings...
    const [read] = await collect(esdb.client.readStream(stream));
    expect(read!.event!.id).toBe(id);

    // ...and a client that asks for structured ids gets them in that form.
    const options = new streams.ReadReq.Options()
      .setStream(
        new streams.ReadReq.Options.StreamOptions()
          .setStreamIdentifier(new shared.StreamIdentifier().setStreamName(Buffer.from(stream)))
          .setStart(new shared.Empty()),
      )
      .setCount('10')
      .setNoFilter(new shared.Empty())
      .setUuidOption(new streams.ReadReq.Options.UUIDOption().setStructured(new shared.Empty()));
    const responses: InstanceType<typeof streams.ReadResp>[] = [];
    await new Promise((resolve, reject) =>
      raw
        .read(new streams.ReadReq().setOptions(options))
        .on('data', (each: InstanceType<typeof streams.ReadResp>) => responses.push(each))
        .on('error', reject)
        .on('end', resolve),
    );
    const recorded = responses[0]!.getEvent()!.getEvent()!;
    expect(recorded.getId()!.hasStructured()).toBe(true);
    expect(fromStructured(recorded.getId()!.getStructured()!)).toBe(id);
  });

  /** Sends BatchAppend requests on one call and collects one answer per request. */
  const batchAppend = (requests: InstanceType<typeof streams.BatchAppendReq>[], answers = requests.length) =>
    new Promise<InstanceType<typeof streams.BatchAppendResp>[]>((resolve, reject) => {
      const received: InstanceType<typeof streams.BatchAppendResp>[] = [];
      const call = raw.batchAppend();
      call.on('data', (answer: InstanceType<typeof streams.BatchAppendResp>) => {
        received.push(answer);
        if (received.length === answers) {
          call.end();
          resolve(received);
        }
      });
      call.on('error', reject);
      for (const request of requests) call.write(request);
    });

  const proposed = (id: string) => {
    const message = new streams.BatchAppendReq.ProposedMessage().setId(structured(id)).setData(Buffer.from('{}'));
    message.getMetadataMap().set('type', 'Wire').set('content-type', 'application/json');
    return message;
  };

  it('echoes a structured correlation id on BatchAppend, over a write spread across messages', async () => {
    const stream = uniqueStream('batch-structured');
    const correlation = randomUUID();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const options = new streams.BatchAppendReq.Options()
      .setStreamIdentifier(new shared.StreamIdentifier().setStreamName(Buffer.from(stream)))
      .setNoStream(new shared.Empty());
    const [answer] = await batchAppend(
      [
        new streams.BatchAppendReq()
          .setCorrelationId(structured(correlation))
          .setOptions(options)
          .setProposedMessagesList([proposed(ids[0]!), proposed(ids[1]!)])
          .setIsFinal(false),
        new streams.BatchAppendReq()
          .setCorrelationId(structured(correlation))
          .setProposedMessagesList([proposed(ids[2]!)])
          .setIsFinal(true),
      ],
      1,
    );
    expect(fromStructured(answer!.getCorrelationId()!.getStructured()!)).toBe(correlation);
    expect(Buffer.from(answer!.getStreamIdentifier()!.getStreamName_asU8()).toString()).toBe(stream);
    expect(answer!.getSuccess()!.getCurrentRevision()).toBe('2');
    const read = await collect(esdb.client.readStream(stream));
    expect(read.map((resolved) => resolved.event!.id)).toEqual(ids);
  });

  it('answers a BatchAppend write without a stream name or an expectation as a bad request', async () => {
    const request = (options: InstanceType<typeof streams.BatchAppendReq.Options>) =>
      new streams.BatchAppendReq()
        .setCorrelationId(new shared.UUID().setString(randomUUID()))
        .setOptions(options)
        .setProposedMessagesList([proposed(randomUUID())])
        .setIsFinal(true);
    const answers = await batchAppend([
      request(new streams.BatchAppendReq.Options().setAny(new shared.Empty())),
      request(
        new streams.BatchAppendReq.Options().setStreamIdentifier(
          new shared.StreamIdentifier().setStreamName(Buffer.from(uniqueStream('no-expectation'))),
        ),
      ),
    ]);
    for (const answer of answers) {
      expect(answer.getError()!.getDetails()!.getTypeName()).toBe('event_store.client.BadRequest');
    }
  });
});
