import { defineConfig } from 'vite';

// Served by esgraph under /app/ (src/server/app-page.ts); `npm run build:web` builds it into dist-web/app.
export default defineConfig({
  base: '/app/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
