import { readEndpoints } from '../../src/embedded-endpoints.js';
import {
  type EsdbLocalServer,
  type EsgraphNode,
  type RedisServer,
  startEsdbLocalServer,
  startEsgraphNode,
  startRedisServer,
} from './servers.js';

/*
 * The processes of one row: either one combined node (every role, its own esdb-local and
 * redis-server, as `npm start` runs), or a split deployment: esdb-local and redis-server in
 * processes of their own, command nodes (command,query) and projector nodes. Every row starts
 * its own on fresh directories, so no row sees another's data.
 */

export class Cluster {
  readonly nodes = new Map<string, EsgraphNode>();
  esdb: EsdbLocalServer | undefined;
  redis: RedisServer | undefined;

  private constructor(
    /** Nodes that take mutations and queries (and serve subscriptions). */
    readonly commandNames: readonly string[],
    readonly projectorNames: readonly string[],
  ) {}

  static async combined(): Promise<Cluster> {
    const cluster = new Cluster(['combined'], ['combined']);
    cluster.nodes.set('combined', await startEsgraphNode('combined', {}));
    return cluster;
  }

  static async split({ commands = 1, projectors = 1, leaseTtlMs = 1_000 } = {}): Promise<Cluster> {
    const names = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, index) => `${prefix}${index + 1}`);
    const cluster = new Cluster(names('command', commands), names('projector', projectors));
    try {
      [cluster.esdb, cluster.redis] = await Promise.all([startEsdbLocalServer(), startRedisServer()]);
      const dependencies = {
        REDIS_URL: cluster.redis.url,
        EVENTSTORE_CONNECTION_STRING: cluster.esdb.connectionString,
        PROJECTION_LEASE_TTL_MS: String(leaseTtlMs),
      };
      // One at a time: the first projector to start takes every lease, the others stand by.
      for (const name of cluster.projectorNames) {
        cluster.nodes.set(name, await startEsgraphNode(name, { ...dependencies, SERVICE_ROLES: 'projector' }));
      }
      for (const name of cluster.commandNames) {
        cluster.nodes.set(name, await startEsgraphNode(name, { ...dependencies, SERVICE_ROLES: 'command,query' }));
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  node(name: string): EsgraphNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /**
   * Kills the node with SIGKILL, starts it again on the same DATA_DIR and environment, and says
   * how long that took. `whileDown` runs once it is gone, before the restart.
   */
  async killAndRestart(name: string, whileDown: () => Promise<void> = async () => undefined): Promise<number> {
    await this.node(name).proc.kill9();
    await whileDown();
    const started = Date.now();
    this.nodes.set(name, await this.node(name).restart());
    return Date.now() - started;
  }

  commandUrls(): string[] {
    return this.commandNames.map((name) => this.node(name).url);
  }

  wsUrl(index: number): string {
    return this.node(this.commandNames[index % this.commandNames.length]!).wsUrl;
  }

  queryUrl(): string {
    return this.node(this.commandNames[0]!).url;
  }

  /** Where the log is now (a combined node's esdb-local gets a new port at each start). */
  eventStore(): string {
    if (this.esdb) return this.esdb.connectionString;
    const node = this.node(this.commandNames[0]!);
    const recorded = readEndpoints(node.dataDir)?.eventStoreConnectionString ?? node.embeddedEventStore;
    if (recorded === undefined) throw new Error('the combined node did not say where its esdb-local listens');
    return recorded;
  }

  redisUrl(): string {
    if (this.redis) return this.redis.url;
    const node = this.node(this.commandNames[0]!);
    const recorded = readEndpoints(node.dataDir)?.redisUrl ?? node.embeddedRedisUrl;
    if (recorded === undefined) throw new Error('the combined node did not say where its redis-server listens');
    return recorded;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((node) => node.proc.stop()));
    await Promise.all([this.esdb?.proc.stop(), this.redis?.proc.stop()]);
  }
}
