import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { afterEach, describe, expect, it } from 'vitest';
import { readEndpoints, recordEndpoints } from '../../../src/embedded-endpoints.js';
import { formatIdentity, identityOf, type ProcessIdentity } from '../../../src/esdb-local/process-identity.js';
import { startEsdbLocal } from '../../../src/esdb-local/start.js';
import { appendNumbered, collect, numbersOf, temporaryDirectory } from '../../support/esdb-local.js';
import { startEsdbLocalProcess } from '../../support/esdb-local-process.js';

/*
 * The data-directory lock after a kill -9: the dead owner's pid may belong to another, live
 * process by the time the engine starts again. `sleep` plays that unrelated process.
 */

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const directory = (): string => {
  const dir = temporaryDirectory('esdb-local-lock-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** A live process that has nothing to do with esdb-local. */
const unrelatedProcess = (): ChildProcess & { pid: number } => {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  cleanups.push(() => child.kill('SIGKILL'));
  if (child.pid === undefined) throw new Error('could not start sleep');
  return child as ChildProcess & { pid: number };
};

const writeLock = (dir: string, content: string, writtenAt = new Date()): void => {
  const lockPath = join(dir, 'LOCK');
  writeFileSync(lockPath, content);
  utimesSync(lockPath, writtenAt, writtenAt);
};

/** Starts the engine on `dir`, checks it works, and stops it; resolves with what it noticed. */
const startAndUse = async (dir: string): Promise<string[]> => {
  const notices: string[] = [];
  const server = await startEsdbLocal({ dir, onNotice: (message) => notices.push(message) });
  const client = EventStoreDBClient.connectionString(server.connectionString);
  try {
    await appendNumbered(client, 'locked-out-no-more', 2);
    expect(numbersOf(await collect(client.readStream('locked-out-no-more')))).toEqual([0, 1]);
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toMatch(new RegExp(`^${process.pid}\n`));
  } finally {
    await client.dispose();
    await server.stop();
  }
  return notices;
};

const identityOfLive = (pid: number): ProcessIdentity => {
  const identity = identityOf(pid);
  if (identity?.startTime === undefined) throw new Error(`no start time for process ${pid} on this system`);
  return identity;
};

describe('the data-directory lock', () => {
  it('is taken over when its pid belongs to a live process with another start time, with a notice', async () => {
    const dir = directory();
    const unrelated = unrelatedProcess();
    writeLock(dir, formatIdentity({ ...identityOfLive(unrelated.pid), startTime: '1' }));

    const notices = await startAndUse(dir);

    expect(notices).toContainEqual(expect.stringContaining(`took over the stale lock ${join(dir, 'LOCK')}`));
  });

  it('is taken over when it names a pid only (as older versions wrote) of a process started after it was written', async () => {
    const dir = directory();
    const unrelated = unrelatedProcess();
    writeLock(dir, String(unrelated.pid), new Date(Date.now() - 60_000));

    expect(await startAndUse(dir)).toContainEqual(expect.stringContaining(`of process ${unrelated.pid}`));
  });

  it.runIf(process.platform === 'linux')(
    'is taken over when it was written before the machine last booted',
    async () => {
      const dir = directory();
      const unrelated = unrelatedProcess();
      writeLock(dir, formatIdentity({ ...identityOfLive(unrelated.pid), bootId: 'an-earlier-boot' }));

      await startAndUse(dir);
    },
  );

  it('is taken over when the process it names has died', async () => {
    const dir = directory();
    const dead = unrelatedProcess();
    const identity = identityOfLive(dead.pid);
    const exited = new Promise((resolve) => dead.once('exit', resolve));
    dead.kill('SIGKILL');
    await exited;
    writeLock(dir, formatIdentity(identity));

    await startAndUse(dir);
  });

  it('keeps out a second engine while one holds the directory in another process, naming it', async () => {
    const dir = directory();
    const holder = await startEsdbLocalProcess(dir);
    cleanups.push(() => holder.stop('SIGKILL'));

    const second = startEsdbLocal({ dir });

    await expect(second).rejects.toThrow(
      `esdb-local directory ${dir} is in use by process ${holder.child.pid} (remove ${join(dir, 'LOCK')} if it is not)`,
    );
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toMatch(new RegExp(`^${holder.child.pid}\nstart \\S+`));
  });

  it('is respected when it names a live process exactly, or by a pid only written after that process started', async () => {
    const exact = directory();
    const pidOnly = directory();
    const owner = unrelatedProcess();
    writeLock(exact, formatIdentity(identityOfLive(owner.pid)));
    writeLock(pidOnly, String(owner.pid));

    await expect(startEsdbLocal({ dir: exact })).rejects.toThrow(`is in use by process ${owner.pid}`);
    await expect(startEsdbLocal({ dir: pidOnly })).rejects.toThrow(`is in use by process ${owner.pid}`);
  });
});

describe('the embedded endpoints record', () => {
  it('is ignored once its pid belongs to another process, and read while its writer runs', () => {
    const dataDir = directory();
    const endpoints = { redisUrl: 'redis://127.0.0.1:1', eventStoreConnectionString: 'esdb://127.0.0.1:2?tls=false' };
    recordEndpoints(dataDir, endpoints);
    expect(readEndpoints(dataDir)).toMatchObject({ ...endpoints, pid: process.pid });

    const unrelated = unrelatedProcess();
    const file = join(dataDir, 'run', 'endpoints.json');
    const record = { ...endpoints, ...identityOfLive(unrelated.pid) };
    writeFileSync(file, JSON.stringify({ ...record, startTime: '1' }));
    expect(readEndpoints(dataDir)).toBeUndefined();
    writeFileSync(file, JSON.stringify(record));
    expect(readEndpoints(dataDir)).toMatchObject(endpoints);
  });
});
