import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/*
 * Debian's Chromium (the `chromium` package, which .ci/run installs when it is missing) driven by
 * playwright-core, which never downloads a browser of its own. No test runner here: the
 * screenshot script launches it too.
 */

export const chromiumPath = '/usr/bin/chromium';

/** Headless, without the sandbox (CI runs as root) and without Chromium's own calls home. */
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export const launchChromium = (): Promise<Browser> => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: install Debian's chromium package (apt-get install chromium)`);
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
};
