import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';

export type EventStoreClient = EventStoreDBClient;

/**
 * Connects to EventStoreDB (or KurrentDB, or esdb-local) with a connection string such as
 * `esdb://host:2113?tls=false` or `esdb+discover://node1,node2,node3`. The client connects
 * lazily and reconnects (and rediscovers the leader) on its own.
 */
export const connectEventStore = (connectionString: string): EventStoreClient =>
  EventStoreDBClient.connectionString(connectionString);

/** A cheap round trip that succeeds only when the event store answers reads: the readiness probe. */
export const probeEventStore = async (client: EventStoreClient): Promise<void> => {
  for await (const _ of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, deadline: 1_000 })) {
    // One event (or none, on an empty store) is all the probe needs.
  }
};
