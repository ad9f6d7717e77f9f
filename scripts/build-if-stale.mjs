// Runs the build (tsc -p tsconfig.build.json) only when something it reads is newer than the
// last build that succeeded: `npm start` and the tools (`npm run projections`, `npm run token`)
// start at once on a current build instead of paying tsc's start-up, seconds on a busy machine.
// The stamp is written after a successful build, so a failed one is tried again next time, and
// dated when the build began, so an edit made while tsc ran still counts as newer. Directories
// count too, since deleting a file changes only its directory's time.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const stamp = join('dist', '.build-stamp');
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

const newest = (path) => {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, entry) => Math.max(latest, newest(join(path, entry))), stat.mtimeMs);
};

const builtAt = () => {
  try {
    return statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
};

// `--always` (npm run build): build whatever the times say, and leave the stamp for the next call.
if (process.argv.includes('--always') || Math.max(...inputs.map(newest)) >= builtAt()) {
  const began = new Date();
  const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
  writeFileSync(stamp, `${began.toISOString()}\n`);
  utimesSync(stamp, began, began);
}
