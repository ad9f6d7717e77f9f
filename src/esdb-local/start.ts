import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { EsdbLocalCredentials } from './grpc/credentials-check.js';
import { startGrpcServer } from './grpc/server.js';
import { type DiskStorageOptions, openDiskStorage } from './storage/disk/index.js';
import { createMemoryStorage } from './storage/memory.js';
import type { EventStorage } from './storage/storage.js';
import { LocalEventStore } from './streams/local-event-store.js';
import { selfSignedIdentity } from './tls-certificate.js';

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
  /**
   * Require these credentials of every stream call. The official client sends credentials only
   * over TLS, so esdb-local then serves TLS with a fresh self-signed certificate, written to
   * `certificateFile` for the client's `tlsCAFile`. Without it, esdb-local is open (tests).
   */
  readonly access?: { readonly credentials: EsdbLocalCredentials; readonly certificateFile: string };
};

export type { EsdbLocalCredentials } from './grpc/credentials-check.js';

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
    server = await startGrpcServer(store, { host, port: options.port ?? 0, ...(await secured(host, options)) });
  } catch (error) {
    await store.close();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    connectionString: connectionString(host, server.port, options),
    host,
    port: server.port,
    stop: () => {
      stopping ??= server.stop().then(() => store.close());
      return stopping;
    },
  };
};

/** The names the certificate is valid for: what a client on this machine connects with. */
const certificateNames = (host: string): string[] =>
  [...new Set([host, '127.0.0.1', 'localhost'])].filter((name) => name !== '0.0.0.0' && name !== '::');

const secured = async (host: string, options: EsdbLocalOptions) => {
  if (options.access === undefined) return {};
  const tls = await selfSignedIdentity(certificateNames(host));
  // Only a certificate, but one this server alone may replace: owner-only like the rest of its files.
  await writeFile(options.access.certificateFile, tls.certificatePem, { mode: 0o600 });
  return { credentials: options.access.credentials, tls };
};

const connectionString = (host: string, port: number, options: EsdbLocalOptions): string => {
  if (options.access === undefined) return `esdb://${host}:${port}?tls=false`;
  const { username, password } = options.access.credentials;
  const user = `${encodeURIComponent(username)}:${encodeURIComponent(password)}`;
  const caFile = encodeURIComponent(resolve(options.access.certificateFile));
  // By name, which the certificate also carries: a client sends the host as the TLS server name,
  // and Node warns (DEP0123) when that is an IP address, as RFC 6066 forbids.
  const name = host === '127.0.0.1' ? 'localhost' : host;
  return `esdb://${user}@${name}:${port}?tls=true&tlsCAFile=${caFile}`;
};
