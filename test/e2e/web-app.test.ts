import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../src/identity/index.js';
import {
  DepositDocument,
  OpenAccountDocument,
  ProjectionsDocument,
  TransactionsDocument,
  WithdrawDocument,
} from '../generated/graphql.js';
import { openRecordedPage, useBrowser } from '../support/browser.js';
import { useCleanups } from '../support/cleanups.js';
import { executeOkAs } from '../support/graphql-client.js';
import { devTokensIn, refusesConnections, type ServerProcess, startServerProcess } from '../support/server-process.js';
import { testToken } from '../support/test-tokens.js';
import { waitFor } from '../support/wait-for.js';

/*
 * The web app (web/app, served at /app/) in Debian's Chromium against a real esgraph process on
 * its own dev secret: a customer signs in as a development user, opens an account in the page,
 * and another client (the dev teller, over HTTP) moves money on it.
 */

/** What the page shows of the account's transactions: ids and positions, top to bottom. */
const shownTransactions = (page: Page) =>
  page.locator('[data-transaction-id]').evaluateAll((rows) =>
    rows.map((row) => ({
      id: row.getAttribute('data-transaction-id')!,
      position: row.getAttribute('data-position')!,
    })),
  );

/** Opens the app and signs in as the development user `sub`. */
const signInAs = async (page: Page, server: ServerProcess, sub: string): Promise<void> => {
  await page.goto(`${server.baseUrl}/app/`);
  await page.getByRole('button', { name: new RegExp(`^${sub}\\b`) }).click();
};

/** Signs in as dev-customer, opens an EUR account in the page and returns its id once it shows, live. */
const signInAndOpenAccount = async (page: Page, server: ServerProcess): Promise<string> => {
  await signInAs(page, server, 'dev-customer');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  const detail = page.locator('section.account-detail');
  await detail.waitFor();
  await page.locator('[data-link="online"]').waitFor();
  return (await detail.getAttribute('data-account-id'))!;
};

describe('the web app', () => {
  const chromium = useBrowser();
  const cleanup = useCleanups();

  it('shows a deposit made by another client within a second', async () => {
    const server = await startServerProcess({ JWT_SECRET: '' });
    cleanup(() => server.stop('SIGKILL'));
    const teller = devTokensIn(server.output()).get('teller')!;
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
    // The killed process's leases on the read models lapse before the restarted one projects again.
    const env = { JWT_SECRET: '', PROJECTION_LEASE_TTL_MS: '2000' };
    const first = await startServerProcess(env);
    cleanup(() => first.stop('SIGKILL'));
    const teller = devTokensIn(first.output()).get('teller')!;
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

    const second = await startServerProcess({ ...env, DATA_DIR: first.dataDir, PORT: port });
    cleanup(() => second.stop('SIGKILL'));
    // Money moves while the page is still away or just back: it must get these from `since`.
    for (const input of [{ amount: '1.25' }, { amount: '3.00' }]) {
      last = (await executeOkAs(teller, second.url, DepositDocument, { input: { accountId, ...input } })).deposit
        .position;
    }
    last = (await executeOkAs(teller, second.url, WithdrawDocument, { input: { accountId, amount: '5.00' } })).withdraw
      .position;
    const { transactions } = await waitFor(
      'the restarted server to project what it was sent',
      () => executeOkAs(teller, second.url, TransactionsDocument, { accountId, first: 100, consistentWith: last }),
      { timeoutMs: 30_000 },
    );
    const expected = transactions.edges.map(({ node }) => node.id);
    expect(expected).toHaveLength(6);

    await page.locator('[data-link="online"]').waitFor();
    await waitFor('the page to show every transaction', async () => (await shownTransactions(page)).length >= 6, {
      timeoutMs: 30_000,
    });
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

  it('follows a transfer asked for in the page to its last step, while a manager sees the totals move live', async () => {
    const server = await startServerProcess({ JWT_SECRET: '' });
    cleanup(() => server.stop('SIGKILL'));
    const tokens = devTokensIn(server.output());
    const teller = tokens.get('teller')!;
    const customer = await openRecordedPage(chromium.browser);
    const manager = await openRecordedPage(chromium.browser);
    cleanup(
      () => customer.close(),
      () => manager.close(),
    );
    const source = await signInAndOpenAccount(customer.page, server);
    const { openAccount } = await executeOkAs(teller, server.url, OpenAccountDocument, {
      input: { ownerId: 'ann', currency: 'EUR' },
    });
    const target = openAccount.accountId!;
    await executeOkAs(teller, server.url, DepositDocument, { input: { accountId: source, amount: '50.00' } });

    await signInAs(manager.page, server, 'dev-manager');
    const eurBalance = manager.page.locator('[data-currency="EUR"] [data-field="balance"]');
    await eurBalance.filter({ hasText: '50.00' }).waitFor();
    // The projections' lag, one row per read model and process manager the server lists.
    const { projections } = await executeOkAs(tokens.get('manager')!, server.url, ProjectionsDocument);
    const listed = (page: Page) =>
      page.locator('[data-projection]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-projection')));
    await waitFor('the projections table', async () => (await listed(manager.page)).length === projections.length);
    expect(await listed(manager.page)).toEqual(projections.map(({ name }) => name));

    await customer.page.fill('input[name=to]', target);
    await customer.page.fill('input[name=transfer-amount]', '20.00');
    await customer.page.getByRole('button', { name: 'Transfer' }).click();
    const transfer = customer.page.locator('.transfer.completed');
    await transfer.waitFor();
    expect(await transfer.locator('.steps li').allTextContents()).toEqual([
      expect.stringMatching(/^requested /),
      expect.stringMatching(/^debited /),
      expect.stringMatching(/^credited /),
      expect.stringMatching(/^completed /),
    ]);
    await customer.page.locator('section.account-detail .balance', { hasText: '30.00' }).first().waitFor();

    // Another client's deposit anywhere in the bank moves the manager's totals without a reload.
    await executeOkAs(teller, server.url, DepositDocument, { input: { accountId: target, amount: '5.25' } });
    await eurBalance.filter({ hasText: '55.25' }).waitFor();
    expect([...customer.errors, ...manager.errors]).toEqual([]);
  }, 60_000);

  it('offers no development users on a configured secret; a pasted token signs in, one it does not take is refused', async () => {
    const server = await startServerProcess();
    cleanup(() => server.stop('SIGKILL'));
    const recorded = await openRecordedPage(chromium.browser);
    cleanup(() => recorded.close());
    const { page } = recorded;
    await page.goto(`${server.baseUrl}/app/`);
    await page.locator('textarea#token').waitFor();
    expect(await page.getByText('Development users').count()).toBe(0);

    await page.fill('textarea#token', `Bearer ${await testToken('ann', ['customer'])}`);
    await page.getByRole('button', { name: 'Sign in with this token' }).click();
    await page.getByText('No accounts yet.').waitFor();
    await page.locator('[data-link="online"]').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    const forged = await mintToken('not-the-servers-secret', { sub: 'ann', roles: ['customer'], ttlSeconds: 3600 });
    await page.fill('textarea#token', forged);
    await page.getByRole('button', { name: 'Sign in with this token' }).click();
    await page.locator('[data-link="refused"]').waitFor();
    await page.getByRole('button', { name: 'Sign in again' }).waitFor();
  }, 60_000);
});
