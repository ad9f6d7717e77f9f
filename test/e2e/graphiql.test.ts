import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../src/app.js';
import { bankApi } from '../support/bank-api.js';
import { openRecordedPage, type RecordedPage, requestsElsewhere, useBrowser } from '../support/browser.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../support/esgraph.js';
import { headersPane, openGraphiQL, paneText, responsePane, runOperationAt } from '../support/graphiql-page.js';
import { STAFF_USER, staffToken } from '../support/test-tokens.js';
import { waitFor } from '../support/wait-for.js';

/*
 * GraphiQL as a developer meets it: the page esgraph serves (built by `npm run build:web`), in
 * Debian's Chromium, against a real esgraph. The server hands the page the staff token as its
 * development token, as main.ts hands it the dev-teller one.
 */

let dependencies: TestDependencies;
let esgraph: RunningEsgraph;
const bank = bankApi(() => esgraph.url);
const browser = useBrowser();

beforeAll(async () => {
  dependencies = await startTestDependencies();
  esgraph = await startTestEsgraph(
    dependencies,
    {},
    { developmentTokens: [{ sub: STAFF_USER, roles: ['teller', 'manager', 'auditor'], token: staffToken }] },
  );
});

afterAll(async () => {
  await esgraph?.stop();
  await dependencies?.stop();
});

const origin = (): string => new URL(esgraph.url).origin;

/** A fresh page with GraphiQL open at `path`. */
const openPage = async (path: string): Promise<RecordedPage> => {
  const opened = await openRecordedPage(browser.browser);
  await openGraphiQL(opened.page, `${origin()}${path}`);
  return opened;
};

describe('GraphiQL', () => {
  it('loads from esgraph alone, with the development token in its header editor', async () => {
    const opened = await openPage('/graphiql/');
    try {
      // The docs explorer fills from the schema's introspection: the page has talked to /graphql.
      await opened.page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      await opened.page.locator('.graphiql-doc-explorer').getByText('Subscription', { exact: true }).first().waitFor();
      expect(await paneText(opened.page, headersPane)).toContain(`"Authorization": "Bearer ${staffToken.slice(0, 24)}`);
      expect(opened.requests.some((url) => url === `${origin()}/graphql`)).toBe(true);
      expect(opened.requests.some((url) => url.includes('.worker-'))).toBe(true);
      expect(requestsElsewhere(opened.requests, origin())).toEqual([]);
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('runs a query over HTTP, shows its result and keeps it in the history', async () => {
    const opened = await openPage('/graphiql/');
    try {
      await runOperationAt(opened.page, 'serverInfo');
      const shown = await waitFor('the query result', async () => {
        const text = await paneText(opened.page, responsePane);
        return text.includes('"name": "esgraph"') && text;
      });
      expect(shown).toContain('"roles"');
      await opened.page.getByRole('button', { name: 'Show History' }).click();
      await opened.page.locator('.graphiql-history').getByText('ServerInfo').first().waitFor();
      expect(requestsElsewhere(opened.requests, origin())).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('runs a subscription over graphql-ws and shows what another client causes', async () => {
    // Opened from /graphql, as a browser pointed at the endpoint opens it.
    const opened = await openPage('/graphql');
    try {
      await runOperationAt(opened.page, 'transactionRecorded');
      await waitFor('the subscription socket', () =>
        opened.requests.includes(`${origin().replace('http', 'ws')}/graphql`),
      );
      // Another client deposits until GraphiQL shows it: the socket may still be subscribing
      // when the first deposit lands, and a subscription without `since` hears only what follows.
      const account = await bank.open();
      let deposits = 0;
      await waitFor(
        'the deposit pushed to GraphiQL',
        async () => {
          const text = await paneText(opened.page, responsePane);
          if (text.includes(account.accountId) && text.includes('"kind": "DEPOSIT"')) return true;
          if (deposits < 20) {
            deposits += 1;
            await bank.deposit(account.accountId, '12.34');
          }
          return false;
        },
        { timeoutMs: 15_000, intervalMs: 250 },
      );
      expect(await paneText(opened.page, responsePane)).toContain('"amount": "12.34"');
      expect(requestsElsewhere(opened.requests, origin())).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});
