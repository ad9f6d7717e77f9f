import {
  type MethodDefinition,
  Server,
  ServerCredentials,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { LocalEventStore } from '../streams/local-event-store.js';
import { handleAppend } from './append.js';
import { handleBatchAppend } from './batch-append.js';
import { type EsdbLocalCredentials, requireCredentials } from './credentials-check.js';
import { handleDelete, handleTombstone } from './delete.js';
import { type AdvertisedEndpoint, handleGetSupportedMethods, handleGossipRead } from './discovery.js';
import { gossipGrpc, serverFeaturesGrpc, type streams, streamsGrpc } from './generated.js';
import { LongLivedCalls } from './long-lived-calls.js';
import { handleRead, type ReadResponse } from './read.js';
import { serverShuttingDown } from './service-errors.js';

export interface GrpcServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** How long stopping waits for requests in flight before cutting connections. */
  readonly shutdownGraceMs?: number;
  /** Refuse stream calls without this user's Basic credentials (serverFeatures and gossip stay open, as in EventStoreDB). */
  readonly credentials?: EsdbLocalCredentials;
  /** Serve TLS with this certificate and key (PEM); the client sends credentials only over TLS. */
  readonly tls?: { readonly certificatePem: string; readonly privateKeyPem: string };
}

export interface RunningGrpcServer {
  readonly host: string;
  readonly port: number;
  /**
   * Ends the calls clients keep open (subscriptions; BatchAppend calls once their committed
   * writes are answered) with UNAVAILABLE, so clients reconnect; lets other calls finish; closes.
   */
  stop(): Promise<void>;
}

/** A method whose responses may be bytes already encoded (or messages for the generated code). */
const withEncodedResponses = (method: MethodDefinition<unknown, unknown>) => {
  const serialize = method.responseSerialize as (value: unknown) => Buffer;
  return { ...method, responseSerialize: (value: unknown) => (Buffer.isBuffer(value) ? value : serialize(value)) };
};

/**
 * The streams service with its hot paths encoded by hand: Read responses carrying events (see
 * event-encoding.ts) and BatchAppend requests and answers (see batch-append-wire.ts), which
 * arrive undecoded. Everything else goes through the generated code.
 */
const streamsService = (): ServiceDefinition => {
  const { read, batchAppend, ...others } = streamsGrpc.StreamsService;
  return {
    ...others,
    read: withEncodedResponses(read as MethodDefinition<unknown, unknown>),
    batchAppend: {
      ...withEncodedResponses(batchAppend as MethodDefinition<unknown, unknown>),
      requestDeserialize: (bytes: Buffer) => bytes,
    },
  } as unknown as ServiceDefinition;
};

/**
 * Appends may carry up to 1 MiB of events, framed in messages of up to a few MiB by the client;
 * accepting more than gRPC's 4 MiB default lets an oversized append get its proper
 * MaximumAppendSizeExceeded answer instead of a transport error.
 */
const MAX_RECEIVE_BYTES = 32 * 1024 * 1024;

/** Serves EventStoreDB's gRPC API (streams, server features, gossip) over `store`. */
export const startGrpcServer = async (
  store: LocalEventStore,
  options: GrpcServerOptions,
): Promise<RunningGrpcServer> => {
  const server = new Server({ 'grpc.max_receive_message_length': MAX_RECEIVE_BYTES });
  const openCalls = new LongLivedCalls();
  let advertised: AdvertisedEndpoint = { host: options.host, port: options.port };
  const read = handleRead(store);

  const streams = streamsService();
  const streamHandlers = {
    read: (call: ServerWritableStream<streams.ReadReq, ReadResponse>) => {
      if (call.request.getOptions()?.hasSubscription()) {
        const closed = openCalls.add(() => {
          call.emit('error', serverShuttingDown());
        });
        call.on('close', closed);
      }
      read(call);
    },
    append: handleAppend(store),
    batchAppend: handleBatchAppend(store, openCalls),
    delete: handleDelete(store),
    tombstone: handleTombstone(store),
  } as unknown as UntypedServiceImplementation;
  server.addService(
    streams,
    options.credentials ? requireCredentials(options.credentials, streams, streamHandlers) : streamHandlers,
  );
  server.addService(
    serverFeaturesGrpc.ServerFeaturesService as unknown as ServiceDefinition,
    {
      getSupportedMethods: handleGetSupportedMethods,
    } as UntypedServiceImplementation,
  );
  server.addService(
    gossipGrpc.GossipService as unknown as ServiceDefinition,
    {
      read: handleGossipRead(() => advertised),
    } as UntypedServiceImplementation,
  );

  const port = await new Promise<number>((resolve, reject) => {
    const transport = options.tls
      ? ServerCredentials.createSsl(null, [
          { private_key: Buffer.from(options.tls.privateKeyPem), cert_chain: Buffer.from(options.tls.certificatePem) },
        ])
      : ServerCredentials.createInsecure();
    server.bindAsync(`${options.host}:${options.port}`, transport, (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  advertised = { host: options.host, port };

  const stop = async (): Promise<void> => {
    const shutdown = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await openCalls.endAll();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, options.shutdownGraceMs ?? 5_000).unref());
    await Promise.race([shutdown, grace]);
    server.forceShutdown();
  };
  return { host: options.host, port, stop };
};
