import { execFileSync } from 'node:child_process';

/**
 * End-to-end tests run the built server (`node dist/main.js`), as `npm start` does. Build once
 * before any test file runs so they never exercise stale output; tsc is incremental, so this is
 * quick when `npm test` has just built. ESGRAPH_TEST_BUILD=skip leaves dist/ as it is, for a
 * developer iterating on tests alone.
 */
export default function setup(): void {
  if (process.env.ESGRAPH_TEST_BUILD === 'skip') return;
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
