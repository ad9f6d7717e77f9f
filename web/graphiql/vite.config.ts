import { defineConfig } from 'vite';

// GraphiQL 5, bundled from npm with its Monaco workers, so the page loads nothing from elsewhere.
// Built by scripts/build-web.mjs into dist-web/graphiql/ and served at /graphiql/ (and to a
// browser's GET of /graphql): `base` is absolute, so the page works from both paths.
export default defineConfig({
  base: '/graphiql/',
  // Vite inlines small assets as data: URLs (allowed by the page's CSP); workers are files.
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // Monaco alone is a few megabytes; the page is for development and loads once.
    chunkSizeWarningLimit: 6_000,
    reportCompressedSize: false,
    sourcemap: false,
    rolldownOptions: {
      // framer-motion marks its modules "use client" (React Server Components); a browser-only
      // bundle has no use for the directive, and the warning would bury real ones.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
