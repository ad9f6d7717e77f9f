import type { Page } from 'playwright-core';

/*
 * Driving the GraphiQL page (web/graphiql) as a person does: click a line, press Ctrl-Enter, read
 * the panes. Shared by its browser test and the screenshot script, so both use the page one way.
 */

/** The text of a visible editor pane, as Monaco renders it (its spaces are U+00A0). */
export const paneText = async (page: Page, pane: string): Promise<string> =>
  (await page.locator(`${pane} .view-lines`).first().innerText()).replace(/\u00a0/g, ' ');

export const responsePane = '.graphiql-response';
export const headersPane = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';

/** Opens GraphiQL at `url` and waits until its query editor shows the example document. */
export const openGraphiQL = async (page: Page, url: string): Promise<void> => {
  await page.goto(url);
  await page.locator('.graphiql-query-editor .view-line', { hasText: 'serverInfo' }).first().waitFor();
};

/**
 * Puts the cursor on the query editor's line containing `text` and runs the operation there.
 * Monaco renders only the lines in view, so it scrolls down (a bounded number of times) as a
 * person would until the line shows.
 */
export const runOperationAt = async (page: Page, text: string): Promise<void> => {
  const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
  const line = page.locator('.graphiql-query-editor .view-line', { hasText: text }).first();
  for (let scrolls = 0; (await line.count()) === 0; scrolls += 1) {
    if (scrolls === 20) throw new Error(`no line of the query editor shows "${text}"`);
    await editor.hover();
    await page.mouse.wheel(0, 120);
    // The editor renders the scrolled lines on its next frame.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  }
  await line.click();
  await page.keyboard.press('Control+Enter');
};
