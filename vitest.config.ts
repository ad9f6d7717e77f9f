import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) copies without an exports map. Node loads
    // the CJS one, and so does type-graphql; Vite would pick the ESM one, giving two graphql
    // realms ("Cannot use GraphQLSchema from another module"). Resolve like Node does.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // type-graphql's decorators need the Reflect metadata API before any resolver module loads.
    setupFiles: ['reflect-metadata'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
