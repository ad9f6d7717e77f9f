import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchJwtSecret } from './bench-identity.js';
import { launch, stopper } from './child-process.js';
import { type Server, startServer } from './esdb-local/server-process.js';

/*
 * Servers for benchmarks, each in a child process of its own: on a 2-core machine a server that
 * shares the load generator's event loop would measure the generator as much as the server.
 */

/** The regular build (`npm run build`), exactly what `npm start` runs. */
const distDir = new URL('../../dist/', import.meta.url).pathname;
/** The benchmarks' own build (`tsc -p bench/tsconfig.json`). */
const benchDir = new URL('./', import.meta.url).pathname;

const tempDir = (name: string): string => mkdtempSync(join(tmpdir(), `esgraph-bench-${name}-`));

/** Node's arguments to write a CPU profile of the process into `<profileDir>/<name>` when it stops; none without a directory. */
export const cpuProfileArgs = (profileDir: string | undefined, name: string): string[] => {
  if (!profileDir) return [];
  const dir = join(profileDir, name);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
};

/**
 * V8's deoptimisations into <logDir>/<name>-<pid>.log (`code-deopt` lines, each with its function
 * and reason), for a server whose cost comes and goes between runs: code that keeps being
 * deoptimised shows there, and in no profile.
 */
export const deoptLogArgs = (logDir: string | undefined, name: string): string[] => {
  if (!logDir) return [];
  mkdirSync(logDir, { recursive: true });
  return ['--log-deopt', `--logfile=${join(logDir, `${name}-%p.log`)}`, '--no-logfile-per-isolate'];
};

/** esdb-local on disk (fsync on every acknowledged append) in a child process. */
export const startEsdbLocalProcess = (dir = tempDir('esdb')): Promise<Server> => startServer(dir);

/**
 * The esgraph server (`node dist/main.js`) in a child process against the given dependencies.
 * `nodeArgs` (e.g. `--cpu-prof`) go to node itself, for profiling a run; `build` is another
 * build's dist directory, to compare two builds side by side.
 */
/** The V8 flags esgraph runs with (package.json's `start`, the image's CMD): what the benchmarks measure. */
export const esgraphNodeArgs = ['--max-semi-space-size=64'];

export const startEsgraphProcess = async (env: Record<string, string>, nodeArgs: string[] = [], build = distDir) => {
  const { child, match } = await launch(
    join(build, 'main.js'),
    [],
    {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '1000',
      // Every load client is one loopback address: the per-IP limit would measure 429s.
      RATE_LIMIT: 'off',
      JWT_SECRET: benchJwtSecret,
      DATA_DIR: tempDir('data'),
      ...env,
    },
    /"port":(\d+)[^\n]*"msg":"esgraph listening"/,
    [...esgraphNodeArgs, ...nodeArgs],
  );
  return { child, url: `http://127.0.0.1:${match[1]}/graphql`, stop: stopper(child) };
};

/** A bare Apollo Server answering `{ hello }` through its standalone (Express) server: a baseline for query throughput. */
export const startBareApolloProcess = async () => {
  const { child, match } = await launch(
    join(benchDir, 'bare-apollo.js'),
    [],
    process.env,
    /bare apollo listening: (\S+)/,
  );
  return { child, url: match[1]!, stop: stopper(child) };
};

/**
 * A server that only appends each deposit it gets, over GraphQL or plain HTTP: a floor for commands.
 * `nodeArgs` (e.g. `--cpu-prof`) go to node itself, for profiling a run.
 */
export const startBareAppendProcess = async (
  mode: 'graphql' | 'http',
  eventStoreConnectionString: string,
  nodeArgs: string[] = [],
) => {
  const { child, match } = await launch(
    join(benchDir, 'bare-append-server.js'),
    [],
    { PATH: process.env.PATH, BARE_APPEND: mode, EVENTSTORE_CONNECTION_STRING: eventStoreConnectionString },
    /bare append \(\w+\) listening: (\S+)/,
    nodeArgs,
  );
  return { child, url: match[1]!, stop: stopper(child) };
};
