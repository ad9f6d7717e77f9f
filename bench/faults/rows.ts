import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { readActiveVersion } from '../../src/core/projections/active-version.js';
import { leaseKey } from '../../src/core/projections/keys.js';
import { connectRedis } from '../../src/core/redis/client.js';
import { domainProjections } from '../../src/domains/index.js';
import { waitFor } from '../../test/support/wait-for.js';
import { benchAuthorization } from '../bench-identity.js';
import { watchCheckpoints } from './checkpoints.js';
import { Cluster } from './cluster.js';
import { post } from './graphql.js';
import type { Check } from './oracle.js';
import { descendantsNamed, distScript, residentBytes } from './processes.js';
import type { FaultContext, Row } from './row.js';

/*
 * The rows of the fault matrix: each names a fault, the processes it runs on, and how it injects
 * the fault and recovers from it while the load runs. The oracle after it is the same for all.
 */

const pass = (name: string, detail: string): Check => ({ name, ok: true, detail });
const fail = (name: string, detail: string): Check => ({ name, ok: false, detail });

/** Runs `step`, turning a throw into a failed check, so a row that cannot recover still reports why. */
const attempt = async (name: string, step: () => Promise<string>): Promise<Check> => {
  try {
    return pass(name, await step());
  } catch (error) {
    return fail(name, (error as Error).message.split('\n')[0]!.slice(0, 300));
  }
};

/** The pid in each active build's lease token (`host:pid:uuid`), by projection. */
const leaseHolders = async (redisUrl: string): Promise<Map<string, number | undefined>> => {
  const redis = await connectRedis(redisUrl);
  try {
    const holders = new Map<string, number | undefined>();
    for (const projection of domainProjections()) {
      const build = await readActiveVersion(redis, projection.name);
      const token = build === undefined ? null : await redis.get(leaseKey({ name: projection.name, version: build }));
      holders.set(projection.name, token === null ? undefined : Number(token.split(':')[1]));
    }
    return holders;
  } finally {
    await redis.close();
  }
};

/** The projector node holding the most leases, and the other one. */
const writerAndStandby = async (context: FaultContext) => {
  const { cluster } = context;
  const [first, second] = cluster.projectorNames.map((name) => cluster.node(name));
  const holders = await waitFor('every projection to have a writer', async () => {
    const found = await leaseHolders(cluster.redisUrl());
    return [...found.values()].every((pid) => pid !== undefined) && found;
  });
  const held = (pid: number) => [...holders.values()].filter((holder) => holder === pid).length;
  return held(first!.proc.pid) >= held(second!.proc.pid)
    ? { writer: first!, standby: second! }
    : { writer: second!, standby: first! };
};

const standbyTakesOver = (context: FaultContext, standbyPid: number) =>
  attempt('standby took over', async () => {
    const started = Date.now();
    await waitFor(
      'the standby projector to hold every lease',
      async () => [...(await leaseHolders(context.cluster.redisUrl())).values()].every((pid) => pid === standbyPid),
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    return `the standby held every lease ${Date.now() - started} ms later`;
  });

/** Waits for queries to answer again (the read side is back), up to `timeoutMs`. */
const queriesAnswer = (url: () => string, timeoutMs: number) => {
  let last = 'no answer yet';
  return waitFor(
    `queries to answer (last: ${last})`,
    async () => {
      const outcome = await post<unknown>(url(), '{ bankStats { openAccounts } }', {}, 2_000);
      last = outcome.kind === 'ok' ? 'ok' : outcome.kind === 'error' ? outcome.code : outcome.reason;
      return outcome.kind === 'ok';
    },
    { timeoutMs, intervalMs: 100 },
  ).catch(() => {
    throw new Error(`queries still fail ${timeoutMs / 1000} s later: ${last}`);
  });
};

const killCombinedNode: Row = {
  fault: 'kill -9 combined node, restart on its data',
  cluster: () => Cluster.combined(),
  inject: async (context) => {
    const check = await attempt('restart', async () => {
      const ms = await context.cluster.killAndRestart('combined');
      return `restarted on the same DATA_DIR in ${ms} ms`;
    });
    return { checks: [check] };
  },
};

const killEmbeddedRedis: Row = {
  fault: 'kill -9 embedded redis-server of a combined node',
  cluster: () => Cluster.combined(),
  inject: async (context) => {
    const node = context.cluster.node('combined');
    const check = await attempt('redis restarted', async () => {
      const pids = descendantsNamed(node.proc.pid, 'redis-server');
      if (pids.length === 0) throw new Error('found no redis-server under the node');
      for (const pid of pids) process.kill(pid, 'SIGKILL');
      await waitFor('the old redis-server to be gone', () =>
        descendantsNamed(node.proc.pid, 'redis-server').every((pid) => !pids.includes(pid)),
      );
      const started = Date.now();
      await queriesAnswer(() => context.cluster.queryUrl(), 20_000);
      return `queries answer again ${Date.now() - started} ms after the kill`;
    });
    return { checks: [check] };
  },
};

const killCommandNode: Row = {
  fault: 'kill -9 command node, restart it',
  cluster: () => Cluster.split(),
  inject: async (context) => {
    const check = await attempt(
      'restart',
      async () => `restarted in ${await context.cluster.killAndRestart('command1')} ms`,
    );
    return { checks: [check] };
  },
};

const killProjectorWithStandby: Row = {
  fault: 'kill -9 projector node, standby takes over',
  cluster: () => Cluster.split({ projectors: 2 }),
  inject: async (context) => {
    const { writer, standby } = await writerAndStandby(context);
    await writer.proc.kill9();
    return { checks: [await standbyTakesOver(context, standby.proc.pid)] };
  },
};

const killEsdbLocal: Row = {
  fault: 'kill -9 esdb-local, restart on its dir',
  cluster: () => Cluster.split(),
  inject: async (context) => {
    const { cluster } = context;
    const check = await attempt('esdb-local restarted', async () => {
      await cluster.esdb!.proc.kill9();
      const started = Date.now();
      cluster.esdb = await cluster.esdb!.restart();
      return `back on the same dir and port in ${Date.now() - started} ms`;
    });
    return { checks: [check] };
  },
};

const killExternalRedis: Row = {
  fault: 'kill -9 external redis-server, restart on its AOF',
  cluster: () => Cluster.split(),
  inject: async (context) => {
    const { cluster } = context;
    const restarted = await attempt('redis restarted', async () => {
      await cluster.redis!.proc.kill9();
      cluster.redis = await cluster.redis!.restart();
      return 'back on the same port and append-only file';
    });
    const answering = await attempt('queries answer', async () => {
      const started = Date.now();
      await queriesAnswer(() => cluster.queryUrl(), 20_000);
      return `${Date.now() - started} ms after the restart`;
    });
    return { checks: [restarted, answering] };
  },
};

const stopProjectorPastLease: Row = {
  fault: 'SIGSTOP projector past its lease, SIGCONT',
  cluster: () => Cluster.split({ projectors: 2, leaseTtlMs: 1_000 }),
  inject: async (context) => {
    const watch = await watchCheckpoints(context.cluster.redisUrl());
    const { writer, standby } = await writerAndStandby(context);
    writer.proc.signal('SIGSTOP');
    const takeover = await standbyTakesOver(context, standby.proc.pid);
    const resumed = await attempt('paused writer resumed', async () => {
      await context.moreAcks(context.phaseAcks, 'mutations while the old writer is paused');
      writer.proc.signal('SIGCONT');
      // Its event loop has run (and any stale commit it had queued was tried) once it answers.
      await waitFor(
        'the resumed projector to answer',
        async () => (await post(writer.url, '{ serverInfo { name } }')).kind === 'ok',
        {
          timeoutMs: 10_000,
        },
      );
      return 'it answers again, and the load went on';
    });
    return { checks: [takeover, resumed], afterSettling: async () => [await watch.stop()] };
  },
};

const run = promisify(execFile);

const flushAndReset: Row = {
  fault: 'Redis FLUSHALL, then projections reset',
  cluster: () => Cluster.split(),
  inject: async (context) => {
    const { cluster } = context;
    const check = await attempt('reset after FLUSHALL', async () => {
      const redis = await connectRedis(cluster.redisUrl());
      await redis.flushAll();
      await redis.close();
      const env = {
        PATH: process.env.PATH,
        REDIS_URL: cluster.redisUrl(),
        EVENTSTORE_CONNECTION_STRING: cluster.eventStore(),
      };
      for (const projection of domainProjections()) {
        await run(process.execPath, [distScript('projections-cli.js'), 'reset', projection.name], {
          env,
          timeout: 30_000,
        });
      }
      return '`npm run projections -- reset <name>` for each read model';
    });
    return { checks: [check] };
  },
};

/** Subscriptions the slow client holds on its one connection: each multiplies what piles up for it. */
const slowSubscriptions = 400;
/** What the node may grow by while it holds back messages for a client that reads nothing. */
const memoryBoundBytes = 48 * 1024 * 1024;

/** A graphql-ws client (raw `ws`) that subscribes, then stops reading its socket. */
const stalledSubscriber = async (
  url: string,
): Promise<{ cutOff: (timeoutMs: number) => Promise<boolean>; terminate: () => void }> => {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  let closed = false;
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: benchAuthorization } })),
    );
    socket.once('message', () => resolve());
    socket.once('error', reject);
  });
  for (let index = 0; index < slowSubscriptions; index++) {
    socket.send(
      JSON.stringify({
        id: String(index),
        type: 'subscribe',
        payload: {
          query: 'subscription { transactionRecorded { id accountId kind amount balanceAfter occurredAt position } }',
        },
      }),
    );
  }
  socket.pause();
  /** Reads again and resolves whether the server had ended the connection (within `timeoutMs`). */
  const cutOff = (timeoutMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (closed) return resolve(true);
      const timer = setTimeout(() => resolve(closed), timeoutMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.resume();
    });
  return { cutOff, terminate: () => socket.terminate() };
};

const slowSubscriber: Row = {
  fault: 'slow subscriber stops reading',
  cluster: () => Cluster.split(),
  depositsOnly: true,
  inject: async (context) => {
    const node = context.cluster.node('command1');
    const baseline = residentBytes(node.proc.pid) ?? 0;
    const stalled = await stalledSubscriber(node.wsUrl);
    const before = context.workload.acked.length;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, residentBytes(node.proc.pid) ?? 0);
    }, 50);
    const loaded = await attempt('load went on', async () => {
      await context.moreAcks(context.phaseAcks * 10, 'deposits while a subscriber reads nothing', 60_000);
      return 'the other clients kept being answered';
    });
    clearInterval(sampler);
    const transactions = context.workload.acked.length - before;
    const heldBack = transactions * slowSubscriptions * 330;
    const growth = peak - baseline;
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
    const cutOff = await stalled.cutOff(10_000);
    const detail = `RSS grew ${mb(growth)} (bound ${mb(memoryBoundBytes)}) while ~${mb(heldBack)} was due to the stalled client; ${cutOff ? 'the server had cut it off' : 'the server never cut it off'}`;
    stalled.terminate();
    const bounded =
      growth < memoryBoundBytes && cutOff ? pass('memory bounded', detail) : fail('memory bounded', detail);
    return { checks: [loaded, bounded] };
  },
};

const twoCommandNodes: Row = {
  fault: 'two command nodes on the same accounts',
  cluster: () => Cluster.split({ commands: 2 }),
  inject: async (context) => {
    const check = await attempt('both nodes served', async () => {
      await context.moreAcks(context.phaseAcks * 2, 'mutations racing through both nodes');
      return 'deposits and withdrawals raced through both nodes';
    });
    return { checks: [check] };
  },
};

/** Every row, in the order `npm run faults` runs them. */
export const rows: readonly Row[] = [
  killCombinedNode,
  killCommandNode,
  killProjectorWithStandby,
  killEsdbLocal,
  killEmbeddedRedis,
  killExternalRedis,
  stopProjectorPastLease,
  flushAndReset,
  slowSubscriber,
  twoCommandNodes,
];

/** The rows `npm test` runs: one of each kind of process killed or paused, and the racing command nodes. */
export const shortRows: readonly Row[] = [
  killCombinedNode,
  killProjectorWithStandby,
  killEmbeddedRedis,
  stopProjectorPastLease,
  twoCommandNodes,
];
