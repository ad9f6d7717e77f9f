import { startGrpcServer } from './grpc/server.js';
import { type DiskStorageOptions, openDiskStorage } from './storage/disk/index.js';
import { createMemoryStorage } from './storage/memory.js';
import type { EventStorage } from './storage/storage.js';
import { LocalEventStore } from './streams/local-event-store.js';

/** How the disk engine sizes its files and caches; the defaults suit everything but tests of the engine. */
export type EsdbLocalDiskTuning = Pick<
  DiskStorageOptions,
  'segmentBytes' | 'checkpointEveryBytes' | 'cacheBytes' | 'chunkBytes'
>;

/** Where esdb-local keeps events: a directory of segment files, or memory (lost on stop). */
export type EsdbLocalStorage =
  | { readonly dir: string; readonly mem?: false; readonly tuning?: EsdbLocalDiskTuning }
  | { readonly mem: true };

export type EsdbLocalOptions = EsdbLocalStorage & {
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** What recovery did on start (a truncated torn tail, a full index rebuild). Default: ignored. */
  readonly onNotice?: (message: string) => void;
};

/** A running esdb-local. */
export interface EsdbLocal {
  /** What @eventstore/db-client connects with: `esdb://host:port?tls=false`. */
  readonly connectionString: string;
  readonly host: string;
  readonly port: number;
  /** Ends subscriptions, lets requests in flight finish, then closes the log. */
  stop(): Promise<void>;
}

const openStorage = (options: EsdbLocalOptions): Promise<EventStorage> =>
  options.mem
    ? Promise.resolve(createMemoryStorage())
    : openDiskStorage({
        ...options.tuning,
        dir: options.dir,
        ...(options.onNotice ? { onNotice: options.onNotice } : {}),
      });

/**
 * Starts an EventStoreDB-compatible server: opens (and recovers) the log, then serves the gRPC
 * API that @eventstore/db-client speaks. Resolves once it accepts connections.
 */
export const startEsdbLocal = async (options: EsdbLocalOptions): Promise<EsdbLocal> => {
  const host = options.host ?? '127.0.0.1';
  const storage = await openStorage(options);
  let store: LocalEventStore;
  try {
    store = await LocalEventStore.open(storage);
  } catch (error) {
    await storage.close();
    throw error;
  }
  let server: Awaited<ReturnType<typeof startGrpcServer>>;
  try {
    server = await startGrpcServer(store, { host, port: options.port ?? 0 });
  } catch (error) {
    await store.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    connectionString: `esdb://${host}:${server.port}?tls=false`,
    host,
    port: server.port,
    stop: () => {
      stopping ??= server.stop().then(() => store.close());
      return stopping;
    },
  };
};
