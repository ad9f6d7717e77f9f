// Takes the README's pictures of the web app (docs/images/app.png, docs/images/app-manager.png):
// starts the built esgraph (`npm run build` first) on a fresh data directory, moves some money
// as the development teller and customer, and photographs the app in Debian's Chromium.
// Usage: node scripts/screenshot-app.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const images = join(root, 'docs', 'images');

const startServer = (dataDir) =>
  new Promise((resolvePort, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.once('exit', (code) => reject(new Error(`esgraph exited with ${code}:\n${output}`)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const port = /"port":(\d+)[^\n]*"msg":"esgraph listening"/.exec(output)?.[1];
      if (port === undefined) return;
      const tokens = new Map(
        [...output.matchAll(/"role":"(\w+)"[^\n]*"msg":"dev token: Bearer ([\w.-]+)"/g)].map((m) => [m[1], m[2]]),
      );
      resolvePort({ child, base: `http://127.0.0.1:${port}`, tokens });
    });
  });

const graphql = async (base, token, query, variables) => {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
};

const open = (base, token, ownerId) =>
  graphql(base, token, 'mutation ($o: ID!) { openAccount(input: { ownerId: $o, currency: "EUR" }) { accountId } }', {
    o: ownerId,
  }).then((data) => data.openAccount.accountId);

const move = (base, token, field, accountId, amount) =>
  graphql(
    base,
    token,
    `mutation ($a: ID!, $m: Money!) { ${field}(input: { accountId: $a, amount: $m }) { position } }`,
    {
      a: accountId,
      m: amount,
    },
  );

const dataDir = mkdtempSync(join(tmpdir(), 'esgraph-screenshots-'));
const server = await startServer(dataDir);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const { base, tokens } = server;
  const teller = tokens.get('teller');
  const savings = await open(base, teller, 'dev-customer');
  const current = await open(base, teller, 'dev-customer');
  const anns = await open(base, teller, 'ann');
  await move(base, teller, 'deposit', savings, '1250.00');
  await move(base, teller, 'deposit', current, '310.40');
  await move(base, teller, 'withdraw', savings, '80.00');
  await move(base, teller, 'deposit', anns, '45.00');

  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  await page.goto(`${base}/app/`);
  await page.getByRole('button', { name: /dev-customer/ }).click();
  await page.locator(`[data-account-id="${savings}"] button`).click();
  await page.locator('[data-link="online"]').waitFor();
  // A transfer asked for in the page, followed to its last step.
  await page.fill('input[name=to]', anns);
  await page.fill('input[name=transfer-amount]', '125.00');
  await page.getByRole('button', { name: 'Transfer' }).click();
  await page.locator('.transfer.completed').waitFor();
  await page.fill('input[name=amount]', '42.00');
  await page.getByRole('button', { name: 'Deposit' }).click();
  await page.locator('section.account-detail .balance', { hasText: '1087.00' }).waitFor();
  await page.screenshot({ path: join(images, 'app.png') });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: /dev-manager/ }).click();
  await page.locator('[data-projection="transfers"]').waitFor();
  await page.locator(`[data-account-id="${savings}"] button`).click();
  await page.locator('[data-transaction-id]').first().waitFor();
  await page.screenshot({ path: join(images, 'app-manager.png') });
  console.log('wrote docs/images/app.png and docs/images/app-manager.png');
} finally {
  await browser.close();
  server.child.removeAllListeners('exit');
  server.child.kill('SIGTERM');
  await new Promise((done) => server.child.once('exit', done));
  rmSync(dataDir, { recursive: true, force: true });
}
