// Builds every web bundle: each `web/<name>/` with a `vite.config.ts` becomes `dist-web/<name>/`
// (served by src/server/static-pages.ts at `/<name>/`). A bundle whose inputs are unchanged since
// its last build is skipped, so `npm start` and `npm test` do not pay for Vite every time: the
// stamp hashes the files Vite bundled from outside node_modules, everything under `web/<name>/`,
// package-lock.json (what node_modules holds) and this script. `--force` builds regardless.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const force = process.argv.includes('--force');
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));

const filesUnder = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.name === 'node_modules') return [];
    return entry.isDirectory() ? filesUnder(path) : [path];
  });

/** One hash over the files' names and contents; a file gone since is part of the change. */
const stampOf = (files) => {
  const hash = createHash('sha256');
  for (const file of [...new Set(files)].sort()) {
    hash.update(relative(root, file)).update('\0');
    hash.update(existsSync(file) && statSync(file).isFile() ? readFileSync(file) : 'missing').update('\0');
  }
  return hash.digest('hex');
};

/** Records which of our files the build read (Vite's module ids outside node_modules). */
const recordInputs = (inputs) => ({
  name: 'esgraph-record-inputs',
  apply: 'build',
  buildEnd() {
    for (const id of this.getModuleIds()) {
      const file = id.split('?')[0];
      if (file.startsWith(root) && !file.includes('/node_modules/') && existsSync(file)) inputs.add(file);
    }
  },
});

const buildBundle = async (name) => {
  const source = join(root, 'web', name);
  const out = join(root, 'dist-web', name);
  const stampFile = join(out, '.build-stamp.json');
  const fixed = [...filesUnder(source), join(root, 'package-lock.json'), fileURLToPath(import.meta.url)];
  if (!force && existsSync(stampFile) && existsSync(join(out, 'index.html'))) {
    const previous = JSON.parse(readFileSync(stampFile, 'utf8'));
    const read = previous.inputs.map((file) => join(root, file));
    // Silent: every `npm run build` passes here, and the CLIs behind it should print only their own.
    if (previous.stamp === stampOf([...fixed, ...read])) return;
  }
  const inputs = new Set();
  const started = Date.now();
  // Loaded only when something is built, so an up-to-date check stays a few milliseconds.
  const { build } = await import('vite');
  await build({
    configFile: join(source, 'vite.config.ts'),
    root: source,
    logLevel: 'warn',
    build: { outDir: out, emptyOutDir: true },
    plugins: [recordInputs(inputs)],
  });
  const read = [...inputs].map((file) => relative(root, file)).sort();
  writeFileSync(stampFile, JSON.stringify({ stamp: stampOf([...fixed, ...inputs]), inputs: read }, null, 2));
  console.log(`web/${name}: built into dist-web/${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
};

const bundles = existsSync(join(root, 'web'))
  ? readdirSync(join(root, 'web')).filter((name) => existsSync(join(root, 'web', name, 'vite.config.ts')))
  : [];
for (const name of bundles) {
  if (only.length === 0 || only.includes(name)) await buildBundle(name);
}
