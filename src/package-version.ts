import { readFileSync } from 'node:fs';

let version: string | undefined;

/** package.json's version, read once (tracing's resource, serverInfo and the start banner ask for it). */
export const packageVersion = (): string =>
  (version ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version);
