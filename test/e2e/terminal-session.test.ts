import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { descendantsNamed, freePort } from '../../bench/faults/processes.js';
import { DepositDocument, HeartbeatDocument, OpenAccountDocument } from '../generated/graphql.js';
import { executeOk, executeOkAs, subscribe, wsClient } from '../support/graphql-client.js';
import { runServerToExit, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

/*
 * `npm start` as a person at a terminal meets it: what it prints, what Ctrl-C does (the terminal
 * signals the whole foreground process group, not just esgraph), and a start against a
 * dependency that is not there.
 */

/** Whether `pid` is a live process named `comm` (a pid reused by another program does not count). */
const alive = (pid: number, comm: string): boolean => {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    const text = readFileSync(stat, 'utf8');
    // "pid (comm) state …": a zombie (Z) has exited and waits for its parent to reap it.
    const close = text.lastIndexOf(')');
    return text.slice(text.indexOf('(') + 1, close) === comm && text[close + 2] !== 'Z';
  } catch {
    return false;
  }
};

const exitOf = (server: ServerProcess): Promise<number | string> =>
  new Promise((resolve) => {
    const { child } = server;
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? child.signalCode ?? '');
    else child.once('exit', (code, signal) => resolve(code ?? signal ?? ''));
  });

/** JSON log lines at warn (40) or above. */
const warnings = (output: string): string[] =>
  output.split('\n').filter((line) => /^\{.*"level":(4|5|6)\d/.test(line) || /Warning|warning:/.test(line));

describe('npm start in a terminal', () => {
  it('stops cleanly on Ctrl-C sent to its whole process group: exit 0, no warning or stack trace, no redis-server left', async () => {
    const server = await startServerProcess({}, 20_000, { ownProcessGroup: true });
    onTestFinished(() => {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    });
    const redisPids = descendantsNamed(server.child.pid!, 'redis-server');
    expect(redisPids).toHaveLength(1);
    // Work in flight when the signal comes: a subscription open, projections running.
    const accountId = randomUUID();
    await executeOk(server.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    const client = wsClient(server.wsUrl);
    const ticks = subscribe(client, HeartbeatDocument, { intervalMs: 100 });
    await ticks.next();
    await executeOk(server.url, DepositDocument, { input: { accountId, amount: '1.00' } });
    const stoppingAt = server.output().length;

    const exited = exitOf(server);
    process.kill(-server.child.pid!, 'SIGINT');
    expect(await exited).toBe(0);

    expect(server.output().slice(stoppingAt)).toContain('"msg":"stopped"');
    expect(warnings(server.output())).toEqual([]);
    expect(server.output()).not.toMatch(/\n\s+at /);
    expect(server.output()).not.toContain('"stack"');
    // Not a terminal (a pipe): JSON lines only, no banner among them.
    expect(
      server
        .output()
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('{"level":')),
    ).toEqual([]);
    await waitFor('the redis-server to be gone', () => !alive(redisPids[0]!, 'redis-server'));
    await client.dispose();
  });

  it('takes its redis-server with it when it is killed with SIGKILL', async () => {
    const server = await startServerProcess({}, 20_000, { ownProcessGroup: true });
    const [redisPid] = descendantsNamed(server.child.pid!, 'redis-server');
    expect(redisPid).toBeDefined();
    expect(await server.stop('SIGKILL')).toBe('SIGKILL');
    await waitFor('the orphaned redis-server to stop', () => !alive(redisPid!, 'redis-server'));
  });

  it('prints where everything is and a working token per role, with readable log lines, when LOG_PRETTY=on', async () => {
    const server = await startServerProcess({ LOG_PRETTY: 'on', JWT_SECRET: '' });
    try {
      const banner = await waitFor(
        'the start banner',
        () => /esgraph \S+ is ready[\s\S]*Ctrl-C stops it/.exec(server.output())?.[0],
      );
      const lines = banner.split('\n');
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  GraphQL +${server.url} `)));
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^ {2}Event store +embedded esdb-local \(in this process\) on 127\.0\.0\.1:\d+, log in .+\/esdb$/,
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(/^ {2}Redis +embedded redis-server on 127\.0\.0\.1:\d+, data in .+\/redis$/),
      );
      const tokens = Object.fromEntries(
        lines.flatMap((line) => {
          const match = /^ {2}(customer|teller|manager|auditor) +(\S+)$/.exec(line);
          return match ? [[match[1]!, match[2]!]] : [];
        }),
      );
      expect(Object.keys(tokens).sort()).toEqual(['auditor', 'customer', 'manager', 'teller']);
      const accountId = randomUUID();
      const opened = await executeOkAs(tokens.teller!, server.url, OpenAccountDocument, {
        input: { accountId, ownerId: 'o', currency: 'EUR' },
      });
      expect(opened.openAccount.accountId).toBe(accountId);
      // The log itself: readable lines, no JSON records.
      expect(server.output()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: esgraph listening \{/m);
      expect(server.output()).not.toMatch(/^\{"level"/m);
      // The tokens are in the banner only, not logged again.
      expect(server.output().split(tokens.teller!)).toHaveLength(2);
    } finally {
      await server.stop();
    }
  });

  it('fails after STARTUP_TIMEOUT_MS, naming Redis with its password masked, when REDIS_URL does not answer', async () => {
    // Free a moment ago, so nothing answers there.
    const port = await freePort();
    const startedAt = Date.now();
    const { code, output } = await runServerToExit({
      REDIS_URL: `redis://:s3cret-pass@127.0.0.1:${port}`,
      STARTUP_TIMEOUT_MS: '1000',
    });
    expect(code).toBe(1);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    expect(output).toContain(
      `esgraph: could not reach Redis at redis://:***@127.0.0.1:${port} within 1000 ms (last error: connect ECONNREFUSED 127.0.0.1:${port}); is it running?`,
    );
    expect(output).not.toContain('s3cret-pass');
  });

  it('fails after STARTUP_TIMEOUT_MS, naming the event store, and stops the redis-server it started, when the event store does not answer', async () => {
    // Free a moment ago, so nothing answers there.
    const port = await freePort();
    const { code, output } = await runServerToExit({
      EVENTSTORE_CONNECTION_STRING: `esdb://admin:changeit@127.0.0.1:${port}?tls=false`,
      STARTUP_TIMEOUT_MS: '1500',
    });
    expect(code).toBe(1);
    expect(output).toMatch(
      new RegExp(
        `esgraph: could not reach the event store at esdb://admin:\\*\\*\\*@127\\.0\\.0\\.1:${port}\\?tls=false within 1500 ms \\(last error: .+\\); is it running\\?`,
      ),
    );
    expect(output).not.toContain('changeit');
    const redisPid = Number(/"redisPid":(\d+)[^\n]*"msg":"started embedded redis-server"/.exec(output)?.[1]);
    expect(redisPid).toBeGreaterThan(0);
    await waitFor('the embedded redis-server to be gone', () => !alive(redisPid, 'redis-server'));
  });
});
