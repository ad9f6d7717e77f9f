import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { AccountHistoryDocument } from '../generated/graphql.js';
import { postGraphQL } from '../support/identity.js';
import { devTokensIn, runServerToExit, startServerProcess } from '../support/server-process.js';

/*
 * Identity as a process sees it: the embedded server's own secret, kept under DATA_DIR across
 * restarts, `npm run token` minting for it, and production refusing to start without keys.
 */

const tokenCli = new URL('../../dist/token-cli.js', import.meta.url).pathname;
const run = promisify(execFile);

const openAccount = 'mutation ($input: OpenAccountInput!) { openAccount(input: $input) { accountId } }';

describe('identity in the server process', () => {
  it('refuses to start in production without a key source, naming JWT_SECRET and JWT_JWKS_URL, with exit code 2', async () => {
    const { code, output } = await runServerToExit({ NODE_ENV: 'production', JWT_SECRET: '' });
    expect(code).toBe(2);
    expect(output).toContain('JWT_SECRET or JWT_JWKS_URL must be set when NODE_ENV=production');
  });

  it('keeps its dev secret under DATA_DIR, so tokens printed or minted for it work after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esgraph-identity-'));
    const first = await startServerProcess({ DATA_DIR: dataDir, JWT_SECRET: '' });
    const printed = devTokensIn(first.output());
    expect([...printed.keys()]).toEqual(['customer', 'teller', 'manager', 'auditor']);
    // A round trip also means the signal handlers are in place (they are installed once it listens).
    const ok = await postGraphQL(first.url, '{ serverInfo { name } }', {}, `Bearer ${printed.get('customer')}`);
    expect(ok).toEqual({ status: 200, body: { data: { serverInfo: { name: 'esgraph' } } } });
    expect(await first.stop()).toBe(0);
    expect(statSync(join(dataDir, 'identity', 'jwt-secret')).mode & 0o777).toBe(0o600);

    const minted = (
      await run(process.execPath, [
        tokenCli,
        '--sub',
        'ann',
        '--roles',
        'customer,teller',
        '--ttl',
        '1h',
        '--data-dir',
        dataDir,
      ])
    ).stdout.trim();

    const second = await startServerProcess({ DATA_DIR: dataDir, JWT_SECRET: '' });
    try {
      for (const [sub, token] of [
        ['ann', minted],
        ['dev-teller', printed.get('teller')!],
      ] as const) {
        const accountId = randomUUID();
        const opened = await postGraphQL(
          second.url,
          openAccount,
          { input: { accountId, ownerId: 'ann', currency: 'EUR' } },
          `Bearer ${token}`,
        );
        expect(opened).toMatchObject({ status: 200, body: { data: { openAccount: { accountId } } } });
        const history = await postGraphQL(
          second.url,
          print(AccountHistoryDocument),
          { id: accountId },
          `Bearer ${printed.get('auditor')}`,
        );
        const [event] = (
          history.body.data as { accountHistory: { edges: { node: { metadata: { userId?: string } } }[] } }
        ).accountHistory.edges.map(({ node }) => node);
        expect(event?.metadata.userId).toBe(sub);
      }
      // Another data directory's secret signs tokens this server does not take.
      const stranger = await run(process.execPath, [
        tokenCli,
        '--sub',
        'ann',
        '--roles',
        'customer',
        '--secret',
        'x'.repeat(43),
      ]);
      const refused = await postGraphQL(second.url, '{ serverInfo { name } }', {}, `Bearer ${stranger.stdout.trim()}`);
      expect(refused.status).toBe(401);
    } finally {
      await second.stop();
    }
  });

  it('says what is missing when asked to mint without a secret', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'esgraph-identity-'));
    const failed = await run(process.execPath, [tokenCli, '--sub', 'ann', '--roles', 'customer', '--data-dir', empty], {
      env: { PATH: process.env.PATH },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('no secret: pass --secret, set JWT_SECRET');
  });
});
