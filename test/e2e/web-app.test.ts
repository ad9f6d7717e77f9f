import { connect } from 'node:net';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DepositDocument, TransactionsDocument, WithdrawDocument } from '../generated/graphql.js';
import { openRecordedPage, useBrowser } from '../support/browser.js';
import { useCleanups } from '../support/cleanups.js';
import { executeOkAs } from '../support/graphql-client.js';
import { type ServerProcess, startServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

/*
 * The web app (web/app, served at /app/) in Debian's Chromium against a real esgraph process on
 * its own dev secret: a customer signs in as a development user, opens an account in the page,
 * and another client (the dev teller, over HTTP) moves money on it.
 */

const devTokens = (output: string): Map<string, string> =>
  new Map([...output.matchAll(/"role":"(\w+)"[^\n]*"msg":"dev token: Bearer ([\w.-]+)"/g)].map((m) => [m[1]!, m[2]!]));

/** What the page shows of the account's transactions: ids and positions, top to bottom. */
const shownTransactions = (page: Page) =>
  page
    .locator('[data-transaction-id]')
    .evaluateAll((rows) =>
      rows.map((row) => ({
        id: row.getAttribute('data-transaction-id')!,
        position: row.getAttribute('data-position')!,
      })),
    );

/** Signs in as dev-customer, opens an EUR account in the page and returns its id once it shows, live. */
const signInAndOpenAccount = async (page: Page, server: ServerProcess): Promise<string> => {
  await page.goto(`${server.baseUrl}/app/`);
  await page.getByRole('button', { name: /dev-customer/ }).click();
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  const detail = page.locator('section.account-detail');
  await detail.waitFor();
  await page.locator('[data-link="online"]').waitFor();
  return (await detail.getAttribute('data-account-id'))!;
};

const refusesConnections = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('the web app', () => {
  const chromium = useBrowser();
  const cleanup = useCleanups();

  it('shows a deposit made by another client within a second', async () => {
    const server = await startServerProcess({ JWT_SECRET: '' });
    cleanup(() => server.stop('SIGKILL'));
    const teller = devTokens(server.output()).get('teller')!;
    const recorded = await openRecordedPage(chromium.browser);
    cleanup(() => recorded.close());
    const accountId = await signInAndOpenAccount(recorded.page, server);

    const { deposit } = await executeOkAs(teller, server.url, DepositDocument, {
      input: { accountId, amount: '7.31' },
    });
    // From the moment the deposit is answered: the page must show it within a second.
    await recorded.page.locator(`[data-position="${deposit.position}"]`).waitFor({ timeout: 1_000 });
    await recorded.page
      .locator('section.account-detail .balance', { hasText: '7.31' })
      .first()
      .waitFor({ timeout: 1_000 });
    expect(recorded.errors).toEqual([]);
  });

  it('resumes after the server is killed and restarted: its list equals the server’s transactions, none twice', async () => {
    const first = await startServerProcess({ JWT_SECRET: '' });
    cleanup(() => first.stop('SIGKILL'));
    const teller = devTokens(first.output()).get('teller')!;
    const recorded = await openRecordedPage(chromium.browser);
    cleanup(() => recorded.close());
    const { page } = recorded;
    const subscribes: { at: number; since: unknown; operationName: unknown }[] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload)) as {
          type: string;
          payload?: { operationName?: string; query?: string; variables?: { since?: unknown } };
        };
        if (message.type !== 'subscribe') return;
        const name = /subscription (\w+)/.exec(message.payload?.query ?? '')?.[1];
        subscribes.push({ at: Date.now(), since: message.payload?.variables?.since, operationName: name });
      }),
    );
    const accountId = await signInAndOpenAccount(page, first);

    let last = '';
    for (const amount of ['10.00', '2.50', '4.00']) {
      last = (await executeOkAs(teller, first.url, DepositDocument, { input: { accountId, amount } })).deposit.position;
    }
    await page.locator(`[data-position="${last}"]`).waitFor();
    const seenBeforeKill = last;

    const redisPort = Number(/"port":(\d+)[^\n]*"msg":"started embedded redis-server"/.exec(first.output())?.[1]);
    const port = new URL(first.baseUrl).port;
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    await waitFor('the dead server’s redis-server to exit', () => refusesConnections(redisPort));
    await page.locator('[data-link="offline"]').waitFor();
    const killedAt = Date.now();

    const second = await startServerProcess({ JWT_SECRET: '', DATA_DIR: first.dataDir, PORT: port });
    cleanup(() => second.stop('SIGKILL'));
    // Money moves while the page is still away or just back: it must get these from `since`.
    for (const input of [{ amount: '1.25' }, { amount: '3.00' }]) {
      last = (await executeOkAs(teller, second.url, DepositDocument, { input: { accountId, ...input } })).deposit
        .position;
    }
    last = (await executeOkAs(teller, second.url, WithdrawDocument, { input: { accountId, amount: '5.00' } })).withdraw
      .position;
    const { transactions } = await executeOkAs(teller, second.url, TransactionsDocument, {
      accountId,
      first: 100,
      consistentWith: last,
    });
    const expected = transactions.edges.map(({ node }) => node.id);
    expect(expected).toHaveLength(6);

    await page.locator('[data-link="online"]').waitFor();
    await waitFor('the page to show every transaction', async () => (await shownTransactions(page)).length >= 6);
    const shown = await shownTransactions(page);
    expect(shown.map(({ id }) => id)).toEqual(expected);
    expect(new Set(shown.map(({ id }) => id)).size).toBe(shown.length);
    await page.locator('section.account-detail .balance', { hasText: '15.75' }).first().waitFor();

    // It came back by resuming, not by starting over: the transactions feed asked for what
    // followed the last transaction it had shown before the kill.
    const resumed = subscribes.filter((one) => one.at > killedAt && one.operationName === 'AppTransactionRecorded');
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed[0]?.since).toBe(seenBeforeKill);
    expect(recorded.errors.filter((error) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load/.test(error))).toEqual(
      [],
    );
  }, 90_000);
});
