import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DepositDocument } from '../generated/graphql.js';
import { executeOkAs } from '../support/graphql-client.js';
import { startServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

/*
 * The README's first session, run as a reader pastes it: its shell blocks under "Try it", against
 * a started server (the README's port replaced by the test server's), with the token minted by
 * `npm run token` for the server's data directory. Pasted twice, it must do the work twice.
 */

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const root = new URL('../..', import.meta.url).pathname;

/** The fenced `sh` blocks of the "Try it" section, in order. */
const tryItBlocks = (): string[] => {
  const section = readme.slice(readme.indexOf('### Try it'), readme.indexOf('Errors are GraphQL errors'));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
};

const run = async (script: string, env: NodeJS.ProcessEnv): Promise<string> =>
  (await promisify(execFile)('bash', ['-ec', script], { cwd: root, env, timeout: 60_000 })).stdout;

/** Each JSON answer the block printed (one per line that prints one). */
const answers = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map(
      (line) =>
        JSON.parse(line) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] },
    );

describe('the README first session', () => {
  it('works as pasted, twice, with a new account and transfer each time, and the idempotent retry answered once', async () => {
    const server = await startServerProcess({ JWT_SECRET: '' });
    try {
      const [session, subscription] = tryItBlocks();
      expect(subscription).toContain('graphql-ws');
      const port = new URL(server.url).port;
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: server.dataDir };
      const script = `${session!.replaceAll('localhost:4000', `localhost:${port}`)}\necho "ids $ACCOUNT $TRANSFER $TOKEN"`;
      const first = await run(script, env);
      const second = await run(script, env);
      for (const output of [first, second]) {
        const [account, transactions, retried, repeated, reused, transfer, transfers, closing, cancelled] =
          answers(output);
        expect(account?.data?.account).toMatchObject({ balance: '12.50', revision: 1 });
        expect(transactions?.data?.transactions).toMatchObject({
          edges: [{ node: { kind: 'DEPOSIT', amount: '12.50' } }],
        });
        expect(retried?.data?.deposit).toMatchObject({ streamRevision: 2 });
        expect(repeated).toEqual(retried);
        expect(reused?.errors?.map((error) => error.extensions?.code)).toEqual(['COMMAND_ID_REUSED']);
        expect(transfer?.data?.transfer).toMatchObject({ status: 'COMPLETED', reason: null });
        expect(transfers?.data?.transfers).toMatchObject({
          edges: [{ node: { amount: '2.00', status: 'COMPLETED' } }],
        });
        expect(closing?.data?.account).toMatchObject({ status: 'OPEN', balance: '2.00' });
        expect(closing?.data?.account).toHaveProperty('closeRequestedAt', expect.any(String));
        expect(cancelled?.data?.cancelAccountClose).toMatchObject({ position: expect.any(String) });
      }
      const ids = (output: string) => /^ids (\S+) (\S+) (\S+)$/m.exec(output)?.slice(1);
      expect(ids(first)).toHaveLength(3);
      expect(ids(second)).toHaveLength(3);
      expect(ids(second)![0]).not.toBe(ids(first)![0]);
      expect(ids(second)![1]).not.toBe(ids(first)![1]);

      // The subscription snippet, in the shell the session left (TOKEN and ACCOUNT set): it
      // prints the account after each deposit made once it has subscribed.
      const [account, , token] = ids(second)!;
      const subscriber = spawn('bash', ['-c', subscription!.replaceAll('localhost:4000', `localhost:${port}`)], {
        cwd: root,
        env: { ...env, TOKEN: token, ACCOUNT: account },
        // Its own group, so the node it starts is stopped with it.
        detached: true,
      });
      let printed = '';
      subscriber.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
      });
      try {
        const update = await waitFor(
          'the subscription snippet to print an update',
          async () => {
            await executeOkAs(token!, server.url, DepositDocument, { input: { accountId: account!, amount: '1.00' } });
            return printed.split('\n').find((line) => line.startsWith('{'));
          },
          { timeoutMs: 20_000, intervalMs: 300 },
        );
        expect(JSON.parse(update)).toMatchObject({ data: { accountUpdated: { revision: expect.any(Number) } } });
      } finally {
        process.kill(-subscriber.pid!, 'SIGTERM');
      }
    } finally {
      await server.stop();
    }
  }, 90_000);
});
