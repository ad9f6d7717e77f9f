import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { pageDataElementId } from '../src/server/static-pages.js';
import { launchChromium } from '../test/support/chromium.js';
import { openGraphiQL, paneText, responsePane, runOperationAt } from '../test/support/graphiql-page.js';
import { startServerProcess } from '../test/support/server-process.js';

/*
 * `npm run screenshots`: the README's pictures of the pages, taken from a real esgraph
 * (`node dist/main.js` on a fresh data directory) in Debian's Chromium.
 * Each shot is one entry of `shots`; add a page's by adding an entry.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

/** What a shot may use: the server, its dev-teller token, and a client sending GraphQL with it. */
interface ShotContext {
  readonly origin: string;
  readonly token: string;
  graphql(query: string, variables?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

interface Shot {
  /** Where the picture goes, from the repository root. */
  readonly file: string;
  /** Leaves the page as the picture should show it. */
  readonly take: (page: Page, context: ShotContext) => Promise<void>;
}

/** Waits, a bounded number of times, for `probe`; `act` runs between tries (deposits, say). */
const until = async (what: string, probe: () => Promise<boolean>, act: () => Promise<void>): Promise<void> => {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    if (await probe()) return;
    await act();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`screenshots: gave up waiting for ${what}`);
};

/** Opens an EUR account for `ownerId` as the teller and moves `amounts` into it (negative: withdrawn). */
const accountWith = async (context: ShotContext, ownerId: string, amounts: readonly string[]): Promise<string> => {
  const opened = await context.graphql(
    'mutation ($owner: ID!) { openAccount(input: { ownerId: $owner, currency: "EUR" }) { accountId } }',
    { owner: ownerId },
  );
  const { accountId } = opened.openAccount as { accountId: string };
  for (const amount of amounts) {
    const field = amount.startsWith('-') ? 'withdraw' : 'deposit';
    await context.graphql(
      `mutation ($id: ID!, $amount: Money!) { ${field}(input: { accountId: $id, amount: $amount }) { position } }`,
      {
        id: accountId,
        amount: amount.replace(/^-/, ''),
      },
    );
  }
  return accountId;
};

/** The web app at /app/, signed in as one of the development users it offers. */
const openApp = async (page: Page, origin: string, sub: string): Promise<void> => {
  await page.goto(`${origin}/app/`);
  await page.getByRole('button', { name: new RegExp(`^${sub}\\b`) }).click();
  await page.locator('[data-link="online"]').waitFor();
};

const shots: readonly Shot[] = [
  {
    file: 'docs/images/graphiql.png',
    take: async (page, { origin, graphql }) => {
      await openGraphiQL(page, `${origin}/graphiql/`);
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      await page.locator('.graphiql-doc-explorer').getByText('Subscription', { exact: true }).first().waitFor();
      await runOperationAt(page, 'transactionRecorded');
      const opened = await graphql(
        'mutation { openAccount(input: { ownerId: "dev-customer", currency: "EUR" }) { accountId } }',
      );
      const { accountId } = opened.openAccount as { accountId: string };
      await until(
        'the subscription to show a deposit',
        async () => (await paneText(page, responsePane)).includes('"kind": "DEPOSIT"'),
        async () => {
          await graphql('mutation ($id: ID!) { deposit(input: { accountId: $id, amount: "125.00" }) { position } }', {
            id: accountId,
          });
        },
      );
    },
  },
  {
    file: 'docs/images/app.png',
    take: async (page, context) => {
      const savings = await accountWith(context, 'dev-customer', ['1250.00', '-80.00']);
      await accountWith(context, 'dev-customer', ['310.40']);
      const anns = await accountWith(context, 'ann', ['45.00']);
      await openApp(page, context.origin, 'dev-customer');
      await page.locator(`[data-account-id="${savings}"] button`).click();
      // A transfer asked for in the page, followed to its last step, then a deposit.
      await page.fill('input[name=to]', anns);
      await page.fill('input[name=transfer-amount]', '125.00');
      await page.getByRole('button', { name: 'Transfer' }).click();
      await page.locator('.transfer.completed').waitFor();
      await page.fill('input[name=amount]', '42.00');
      await page.getByRole('button', { name: 'Deposit' }).click();
      await page.locator('section.account-detail .balance', { hasText: '1087.00' }).waitFor();
    },
  },
  {
    file: 'docs/images/app-manager.png',
    take: async (page, { origin }) => {
      await openApp(page, origin, 'dev-manager');
      await page.locator('[data-projection="transfers"]').waitFor();
      await page.locator('[data-account-id] button', { hasText: '1087.00' }).click();
      await page.locator('.transfer.completed').waitFor();
    },
  },
];

/** The token the server put in GraphiQL's page: the one a developer's page starts with. */
const pageToken = async (origin: string): Promise<string> => {
  const html = await (await fetch(`${origin}/graphiql/`)).text();
  const data = new RegExp(`id="${pageDataElementId}">(.*?)</script>`).exec(html)?.[1];
  const authorization = data === undefined ? undefined : (JSON.parse(data) as GraphiQLPageData).headers?.Authorization;
  if (!authorization) throw new Error('screenshots: the GraphiQL page carries no development token');
  return authorization.replace(/^Bearer /, '');
};

interface GraphiQLPageData {
  readonly headers?: { readonly Authorization?: string };
}

const main = async (): Promise<void> => {
  // As `npm start` runs: embedded event store and Redis, the data directory's dev secret (an
  // empty JWT_SECRET asks for it), so the page gets its token the way a developer's does.
  const server = await startServerProcess({ JWT_SECRET: '', LOG_LEVEL: 'info' }, 30_000, {
    script: join(root, 'dist/main.js'),
  });
  let browser: Browser | undefined;
  try {
    const origin = server.baseUrl;
    const token = await pageToken(origin);
    browser = await launchChromium();
    const context: ShotContext = {
      origin,
      token,
      graphql: async (query, variables) => {
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
        if (!body.data || body.errors) throw new Error(`screenshots: ${query} failed: ${JSON.stringify(body.errors)}`);
        return body.data;
      },
    };
    for (const shot of shots) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      await shot.take(page, context);
      const file = join(root, shot.file);
      await mkdir(dirname(file), { recursive: true });
      await page.screenshot({ path: file });
      await page.close();
      console.log(`screenshots: wrote ${shot.file}`);
    }
  } finally {
    await browser?.close();
    await server.stop();
    await rm(server.dataDir, { recursive: true, force: true });
  }
};

await main();
