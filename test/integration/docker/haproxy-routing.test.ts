import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { closeRedisClient, connectRedis } from '../../../src/core/redis/client.js';
import {
  AccountDocument,
  AccountUpdatedDocument,
  DepositDocument,
  OpenAccountDocument,
} from '../../generated/graphql.js';
import { dockerDir, requireTool, runTool } from '../../support/docker-files.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { executeAs, executeOk, subscribe, wsClient } from '../../support/graphql-client.js';
import { byHash, errorCodeOf, persistedQueryOf, postGraphQL } from '../../support/persisted-queries.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * docker/haproxy.cfg's routing, run by Debian's HAProxy in front of real esgraph nodes on
 * 127.0.0.1. Only the addresses change: the frontend binds a free loopback port, and each
 * backend's server-template (Docker's DNS) becomes server lines for the nodes started here. The
 * command nodes run the command role alone, so a query misrouted to one is refused with
 * ROLE_NOT_SERVED, as a mutation misrouted to the query node would be; HAProxy's own log says
 * which server answered each request.
 */

const configFile = join(dockerDir, 'haproxy.cfg');

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

/** docker/haproxy.cfg with loopback addresses instead of Docker's names; each edit must apply once. */
const onLoopback = (frontPort: number, backends: Record<'command' | 'query', readonly number[]>): string => {
  let text = readFileSync(configFile, 'utf8');
  const replaceOnce = (pattern: RegExp, replacement: string): void => {
    expect(text.match(new RegExp(pattern.source, `${pattern.flags}g`))?.length, String(pattern)).toBe(1);
    text = text.replace(pattern, replacement);
  };
  replaceOnce(/^ {4}bind :8080$/m, `    bind 127.0.0.1:${frontPort}`);
  for (const [backend, ports] of Object.entries(backends)) {
    const servers = ports.map((port, i) => `    server ${backend}-${i + 1} 127.0.0.1:${port} check`).join('\n');
    replaceOnce(new RegExp(`^ {4}server-template ${backend}- .*$`, 'm'), servers);
  }
  replaceOnce(/^resolvers docker\n(?: {4}.*\n)+/m, '');
  return text;
};

interface Balancer {
  readonly url: string;
  readonly wsUrl: string;
  /** The `backend/server` HAProxy logged for the request to `/graphql?request=<tag>`, once it has. */
  served(tag: string): string | undefined;
  stop(): Promise<void>;
}

const startBalancer = async (config: string, port: number): Promise<Balancer> => {
  const dir = mkdtempSync(join(tmpdir(), 'esgraph-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', file], { stdio: 'pipe' });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitFor(
    `HAProxy to answer on ${port}:\n${log}`,
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
    {
      timeoutMs: 15_000,
      intervalMs: 100,
    },
  );
  return {
    url,
    wsUrl: url.replace('http:', 'ws:'),
    served: (tag) => new RegExp(` graphql (\\w+/[\\w-]+) .*"\\w+ /graphql\\?request=${tag} `).exec(log)?.[1],
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

let dependencies: TestDependencies;
const nodes: RunningEsgraph[] = [];
let balancer: Balancer;

beforeAll(async () => {
  await requireTool('haproxy', ['-v'], 'apt-get install haproxy');
  dependencies = await startTestDependencies();
  const start = (roles: string) => startTestEsgraph(dependencies, { SERVICE_ROLES: roles });
  nodes.push(await start('command'), await start('command'), await start('query,projector'));
  const [first, second, query] = nodes as [RunningEsgraph, RunningEsgraph, RunningEsgraph];
  const port = await freePort();
  balancer = await startBalancer(onLoopback(port, { command: [first.port, second.port], query: [query.port] }), port);
});

afterAll(async () => {
  await balancer?.stop();
  await Promise.all(nodes.map((node) => node.stop()));
  await dependencies?.stop();
});

let requests = 0;

/**
 * Runs `send` with a URL of the balancer's that names this request (`?request=<n>`, which esgraph
 * ignores), waits for HAProxy to log it, and returns the backend/server that answered.
 */
const servedBy = async (send: (url: string) => Promise<unknown>, base = balancer.url): Promise<string> => {
  requests += 1;
  const tag = String(requests);
  await send(`${base}?request=${tag}`);
  return waitFor(`HAProxy to log request ${tag}`, () => balancer.served(tag));
};

const openAccount = (accountId: string, url = balancer.url) =>
  executeOk(url, OpenAccountDocument, { input: { accountId, ownerId: 'ann', currency: 'EUR' } });

describe('docker/haproxy.cfg', () => {
  it('is a configuration haproxy -c accepts', async () => {
    const check = await runTool('haproxy', ['-c', '-f', configFile]);
    expect(check.stdout + check.stderr).toContain('Configuration file is valid');
    expect(check.code).toBe(0);
  });

  it('sends mutations to a command node and queries to a query node', async () => {
    const mutation = await servedBy((url) => openAccount('route-1', url));
    expect(mutation).toMatch(/^command\/command-\d$/);
    let answer: Awaited<ReturnType<typeof executeAs>> | undefined;
    const query = await servedBy(async (url) => {
      answer = await executeAs(null, url, AccountDocument, { id: 'route-1' });
    });
    expect(query).toBe('query/query-1');
    expect(answer?.errors?.map((error) => error.extensions?.code)).not.toContain('ROLE_NOT_SERVED');
  });

  it('sends a mutation persisted by its hash alone to a command node, where it runs', async () => {
    await openAccount('route-apq');
    const query = print(DepositDocument);
    const variables = { input: { accountId: 'route-apq', amount: '1.00' } };
    const unknown = await postGraphQL(balancer.url, { variables, ...persistedQueryOf(query) });
    expect(errorCodeOf(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await postGraphQL(balancer.url, { query, variables, ...persistedQueryOf(query) });
    expect(registered.body.errors).toBeUndefined();
    // Apollo stores a registration without awaiting it (a client finding it missing sends the
    // text again): wait until Redis holds it, so the request by hash is sure to find it.
    const hash = persistedQueryOf(query).extensions.persistedQuery.sha256Hash;
    const redis = await connectRedis(dependencies.redis.url);
    try {
      await waitFor('the registration in Redis', async () =>
        (await redis.hExists('esgraph:{apq}:documents', hash)) ? true : undefined,
      );
    } finally {
      await closeRedisClient(redis);
    }
    let byHashAlone: Awaited<ReturnType<typeof postGraphQL>> | undefined;
    const server = await servedBy(async (url) => {
      byHashAlone = await postGraphQL(url, {
        variables,
        ...byHash(hash),
      });
    });
    expect(server).toMatch(/^command\/command-\d$/);
    expect(byHashAlone?.body.errors).toBeUndefined();
    expect(byHashAlone?.body.data).toMatchObject({ deposit: { accountId: 'route-apq' } });
  });

  it('carries a subscription over the WebSocket to a query node', async () => {
    const opened = await openAccount('route-ws');
    await executeOk(balancer.url, DepositDocument, { input: { accountId: 'route-ws', amount: '2.00' } });
    let heard: unknown;
    const server = await servedBy(async (url) => {
      const client = wsClient(url);
      try {
        // Resumed from the opening: the deposit made before subscribing is the first update heard.
        const updates = subscribe(client, AccountUpdatedDocument, {
          id: 'route-ws',
          since: opened.openAccount.position,
        });
        heard = (await updates.next()).value?.data?.accountUpdated;
        await updates.return?.();
      } finally {
        await client.dispose();
      }
    }, balancer.wsUrl);
    expect(heard).toMatchObject({ id: 'route-ws', balance: '2.00' });
    expect(server).toBe('query/query-1');
  });

  it("sends each account's commands to one command node, and the accounts over both", async () => {
    const accounts = Array.from({ length: 16 }, (_, i) => `affinity-${i}`);
    const servers = new Map<string, Set<string>>();
    for (const accountId of accounts) {
      const seen = new Set<string>([await servedBy((url) => openAccount(accountId, url))]);
      for (let i = 0; i < 3; i += 1) {
        seen.add(
          await servedBy((url) =>
            executeOk(url, DepositDocument, { input: { accountId, amount: '1.00', commandId: `d-${i}` } }),
          ),
        );
      }
      servers.set(accountId, seen);
    }
    for (const [accountId, seen] of servers) expect([...seen], accountId).toHaveLength(1);
    const used = new Set([...servers.values()].flatMap((seen) => [...seen]));
    expect([...used].sort()).toEqual(['command/command-1', 'command/command-2']);
  });
});
