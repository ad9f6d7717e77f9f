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
