import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessDeniedError, EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedEndpoints } from '../../src/embedded-endpoints.js';
import { OpenAccountDocument } from '../generated/graphql.js';
import { collect } from '../support/esdb-local.js';
import { executeOk } from '../support/graphql-client.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';

/** Every directory and file below `dir` with its permission bits, as `path → mode`. */
const modesBelow = (dir: string): Map<string, { kind: 'dir' | 'file'; mode: number }> => {
  const modes = new Map<string, { kind: 'dir' | 'file'; mode: number }>();
  const visit = (path: string): void => {
    const stat = statSync(path);
    modes.set(path, { kind: stat.isDirectory() ? 'dir' : 'file', mode: stat.mode & 0o777 });
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  visit(dir);
  return modes;
};

/** What a Redis client without (or with the wrong) password is answered when it asks anything. */
const pingAs = async (url: string): Promise<string> => {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.ping();
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.close().catch(() => undefined);
  }
};

describe('embedded services are private', () => {
  const parent = mkdtempSync(join(tmpdir(), 'esgraph-privacy-'));
  const dataDir = join(parent, 'data');
  let server: ServerProcess;
  let endpoints: EmbeddedEndpoints;

  beforeAll(async () => {
    // A DATA_DIR someone made readable by all, as `mkdir` with the usual umask does.
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    server = await startServerProcess({ DATA_DIR: dataDir });
    await executeOk(server.url, OpenAccountDocument, {
      input: { accountId: randomUUID(), ownerId: 'o', currency: 'EUR' },
    });
    endpoints = JSON.parse(readFileSync(join(dataDir, 'run', 'endpoints.json'), 'utf8')) as EmbeddedEndpoints;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  it('keeps every directory under DATA_DIR 0700 and every file 0600', () => {
    const modes = modesBelow(dataDir);
    // The log, Redis's append-only files and its password file, the locks, endpoints.json.
    const files = [...modes].filter(([, { kind }]) => kind === 'file').map(([path]) => path);
    expect(files.some((path) => path.includes(`${join('data', 'esdb')}`))).toBe(true);
    expect(files.some((path) => path.includes('appendonly'))).toBe(true);
    expect(files).toContain(join(dataDir, 'run', 'endpoints.json'));
    const loose = [...modes]
      .filter(([, { kind, mode }]) => mode !== (kind === 'dir' ? 0o700 : 0o600))
      .map(([path, { mode }]) => `${path} ${mode.toString(8)}`);
    expect(loose).toEqual([]);
  });

  it('gives the embedded Redis a password: a client without it, or with a wrong one, is refused', async () => {
    const url = new URL(endpoints.redisUrl);
    expect(url.password).toMatch(/^[0-9a-f]{48}$/);
    const bare = `redis://${url.hostname}:${url.port}`;
    expect(await pingAs(bare)).toMatch(/NOAUTH/);
    expect(await pingAs(`redis://:wrong@${url.hostname}:${url.port}`)).toMatch(/WRONGPASS|invalid password/i);
    expect(await pingAs(endpoints.redisUrl)).toBe('PONG');
  });

  it('has esdb-local require the credentials it was given: a client without them is refused', async () => {
    expect(endpoints.eventStoreConnectionString).toMatch(
      /^esdb:\/\/esgraph:[0-9a-f]{48}@localhost:\d+\?tls=true&tlsCAFile=/,
    );
    const anonymous = EventStoreDBClient.connectionString(
      endpoints.eventStoreConnectionString.replace(/\/\/[^@]*@/, '//'),
    );
    const ours = EventStoreDBClient.connectionString(endpoints.eventStoreConnectionString);
    try {
      const forged = jsonEvent({ type: 'MoneyDeposited', data: { amount: '1000000.00' } });
      await expect(anonymous.appendToStream(`account-${randomUUID()}`, forged)).rejects.toBeInstanceOf(
        AccessDeniedError,
      );
      const [first] = await collect(ours.readAll({ maxCount: 1 }));
      expect(first?.event?.type).toBeDefined();
    } finally {
      await Promise.all([anonymous.dispose(), ours.dispose()]);
    }
  });

  it('logs no password', () => {
    expect(server.output()).not.toContain(new URL(endpoints.redisUrl).password);
    expect(server.output()).not.toContain(/esgraph:([0-9a-f]{48})@/.exec(endpoints.eventStoreConnectionString)?.[1]);
  });
});
