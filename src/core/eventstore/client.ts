import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';

export type EventStoreClient = EventStoreDBClient;

/**
 * Connects to EventStoreDB (or KurrentDB, or esdb-local) with a connection string such as
 * `esdb://host:2113?tls=false` or `esdb+discover://node1,node2,node3`. The client connects
 * lazily and reconnects (and rediscovers the leader) on its own.
 */
export const connectEventStore = (connectionString: string): EventStoreClient =>
  EventStoreDBClient.connectionString(connectionString);

/**
 * Where the last event in $all landed, or undefined on an empty store. Reads to the end rather
 * than returning from the loop: a read left early keeps its gRPC call open, and the client's
 * dispose() then waits for it forever.
 */
export const readHeadPosition = async (
  client: EventStoreClient,
  options: { readonly deadline?: number } = {},
): Promise<bigint | undefined> => {
  let head: bigint | undefined;
  for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, ...options })) {
    head = resolved.event?.position?.commit ?? resolved.commitPosition;
  }
  return head;
};

/** A cheap round trip that succeeds only when the event store answers reads: the readiness probe. */
export const probeEventStore = async (client: EventStoreClient): Promise<void> => {
  await readHeadPosition(client, { deadline: 1_000 });
};
