import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './chromium.js';

/*
 * A real browser for tests of the pages esgraph serves (test/support/chromium.ts launches it),
 * with a record of every request a page makes.
 */

/** One page in a context of its own, with everything it asked the network for. */
export interface RecordedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Every URL requested, by the page, its frames and its workers, WebSockets included, in order. */
  readonly requests: readonly string[];
  /** Uncaught exceptions and console errors, for a failing test to show. */
  readonly errors: readonly string[];
  close(): Promise<void>;
}

/** Opens a fresh context (no shared cookies or storage) and a page in it, recording its requests. */
export const openRecordedPage = async (
  browser: Browser,
  options: { readonly viewport?: { width: number; height: number } } = {},
): Promise<RecordedPage> => {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  const requests: string[] = [];
  const errors: string[] = [];
  // At the context, so requests from workers and from pages the page opens are counted too.
  context.on('request', (request) => requests.push(request.url()));
  const page = await context.newPage();
  page.on('websocket', (socket) => requests.push(socket.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { page, context, requests, errors, close: () => context.close() };
};

/** The requested URLs whose host is not `origin`'s (data: and blob: URLs never leave the page). */
export const requestsElsewhere = (requests: readonly string[], origin: string): string[] => {
  const { host } = new URL(origin);
  return requests.filter((url) => {
    const parsed = new URL(url);
    if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return false;
    return parsed.host !== host;
  });
};

/** One Chromium for the whole test file, closed after its tests. */
export const useBrowser = (): { readonly browser: Browser } => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('useBrowser: the browser is only there once beforeAll has run');
      return browser;
    },
  };
};
