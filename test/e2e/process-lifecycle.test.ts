import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AccountAsOfDocument, DepositDocument, OpenAccountDocument } from '../generated/graphql.js';
import { executeOk } from '../support/graphql-client.js';
import { refusesConnections, runServerToExit, startServerProcess } from '../support/server-process.js';
import { bearer, staffToken } from '../support/test-tokens.js';
import { waitFor } from '../support/wait-for.js';

describe('the server process', () => {
  it('fails to start on a bad PORT and names the variable', async () => {
    const { code, output } = await runServerToExit({ PORT: 'abc' });
    expect(code).toBe(2);
    expect(output).toContain('PORT must be a whole number, got "abc"');
  });

  it('fails to start on an unknown role and names the variable', async () => {
    const { code, output } = await runServerToExit({ SERVICE_ROLES: 'query,reporter' });
    expect(code).toBe(2);
    expect(output).toContain('SERVICE_ROLES lists unknown role "reporter"');
  });

  it('fails to start, with exit code 2 before starting anything, on a TRUSTED_DOCUMENTS_FILE listing a wrong hash', async () => {
    const file = join(tmpdir(), `esgraph-trusted-${randomUUID()}.json`);
    writeFileSync(file, JSON.stringify({ ['0'.repeat(64)]: '{ serverInfo { name } }' }));
    try {
      const { code, output } = await runServerToExit({ TRUSTED_DOCUMENTS_FILE: file });
      expect(code).toBe(2);
      expect(output.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^esgraph: configuration error: TRUSTED_DOCUMENTS_FILE names .* which lists 0{64} for a document whose sha256 is [0-9a-f]{64}$/,
        ),
      ]);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('says how to get Redis when redis-server is not on PATH and REDIS_URL is unset', async () => {
    const { code, output } = await runServerToExit({ PATH: '/nonexistent' });
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toMatch(/redis-server is not on PATH: set REDIS_URL .* or install Redis/);
  });

  it('on SIGTERM closes WebSockets with 1001, stops its redis-server and exits 0', async () => {
    const server = await startServerProcess();
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: bearer(staffToken) } }));
    await new Promise((resolve) => socket.once('message', resolve)); // connection_ack

    const exit = await server.stop('SIGTERM');
    expect(exit).toBe(0);
    expect(await closed).toBe(1001);
    expect(server.output()).toContain('"msg":"stopped"');
    const redisPort = /"port":(\d+)[^\n]*"msg":"started embedded redis-server"/.exec(server.output())?.[1];
    expect(redisPort).toBeDefined();
    await waitFor('the embedded redis-server to be gone', async () => {
      try {
        await fetch(`http://127.0.0.1:${redisPort}`);
        return false;
      } catch (error) {
        return String((error as { cause?: unknown }).cause).includes('ECONNREFUSED');
      }
    });
  });

  it('finishes an in-flight request before exiting on SIGTERM', async () => {
    const server = await startServerProcess();
    const body = JSON.stringify({ query: '{ serverInfo { name } }' });
    // Expect: 100-continue makes the server confirm it has the request's headers, so the
    // request is provably in flight when the signal arrives; its body follows the signal.
    const request = httpRequest(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        expect: '100-continue',
      },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.once('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      request.once('error', reject);
    });
    await new Promise((resolve) => request.once('continue', resolve));
    request.flushHeaders();

    const exit = server.stop('SIGTERM');
    await waitFor('the server to log that it is stopping', () => server.output().includes('"msg":"stopping"'));
    request.end(body);

    expect(await response).toEqual({ status: 200, text: expect.stringContaining('"name":"esgraph"') });
    expect(await exit).toBe(0);
  });

  it('keeps its events across restarts in the embedded event store under DATA_DIR', async () => {
    const first = await startServerProcess();
    const accountId = randomUUID();
    await executeOk(first.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    await executeOk(first.url, DepositDocument, { input: { accountId, amount: '12.34' } });
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await startServerProcess({ DATA_DIR: first.dataDir });
    try {
      const { accountAsOf } = await executeOk(second.url, AccountAsOfDocument, { id: accountId });
      expect(accountAsOf).toMatchObject({ balance: '12.34', revision: 1 });
      const { deposit } = await executeOk(second.url, DepositDocument, { input: { accountId, amount: '1' } });
      expect(deposit.streamRevision).toBe(2);
    } finally {
      await second.stop();
    }
  });

  it('refuses a DATA_DIR another server runs on, before it starts a redis-server on the same files', async () => {
    const first = await startServerProcess();
    try {
      const { code, output } = await runServerToExit({ DATA_DIR: first.dataDir });

      expect(code).toBe(1);
      expect(output).toContain(
        `redis directory ${join(first.dataDir, 'redis')} is in use by process ${first.child.pid}`,
      );
      expect(output).not.toContain('started embedded redis-server');
      await executeOk(first.url, OpenAccountDocument, { input: { ownerId: 'o', currency: 'EUR' } });
    } finally {
      await first.stop();
    }
  });

  it('starts after a kill -9 even when the dead server’s pid now belongs to a live, unrelated process', async () => {
    const first = await startServerProcess();
    const accountId = randomUUID();
    await executeOk(first.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    const redisPort = Number(/"port":(\d+)[^\n]*"msg":"started embedded redis-server"/.exec(first.output())?.[1]);
    expect(redisPort).toBeGreaterThan(0);
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    // Its redis-server follows it down; the next one must not start on the files while it runs.
    await waitFor('the dead server’s redis-server to exit', () => refusesConnections(redisPort));
    const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      // What pid reuse does: each lock's pid now names a live process that never locked anything.
      for (const dir of ['esdb', 'redis']) {
        const lock = join(first.dataDir, dir, 'LOCK');
        writeFileSync(lock, readFileSync(lock, 'utf8').replace(/^\d+/, String(unrelated.pid)));
      }

      const second = await startServerProcess({ DATA_DIR: first.dataDir });
      try {
        const { accountAsOf } = await executeOk(second.url, AccountAsOfDocument, { id: accountId });
        expect(accountAsOf).toMatchObject({ revision: 0 });
        expect(second.output()).toContain('took over the stale lock');
      } finally {
        await second.stop();
      }
    } finally {
      unrelated.kill('SIGKILL');
    }
  });
});
