import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runTool } from '../../support/docker-files.js';
import { dockerfileStages, type Stage, type Step } from '../../support/dockerfile.js';
import { startServerProcess } from '../../support/server-process.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * No engine builds the image here, so this replays docker/Dockerfile's application steps (every
 * COPY and RUN after each stage's WORKDIR) in a temporary directory per stage, with the
 * repository as the build context and .dockerignore applied as Docker applies it, then starts
 * what the runtime stage would run. The steps before WORKDIR set up the operating system
 * (apt-get, the data directory) and are not run: only their shape is checked.
 */

// CommonJS whose typings declare a default export; required, it is the function they describe.
const dockerignore = createRequire(import.meta.url)(
  '@balena/dockerignore',
) as typeof import('@balena/dockerignore').default;

const stages = dockerfileStages();

/** The node flags `npm start` runs dist/main.js with (package.json's start script, after its last `&&`). */
const startScriptNodeArgs = (): string[] => {
  const { scripts } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [program, ...args] = (scripts.start ?? '').split('&&').at(-1)!.trim().split(/\s+/);
  if (program !== 'node' || args.at(-1) !== 'dist/main.js') throw new Error(`npm start ends in ${scripts.start}`);
  return args.slice(0, -1);
};
const workdir = '/app';
const root = mkdtempSync(join(tmpdir(), 'esgraph-dockerfile-'));
const stageDir = (name: string): string => join(root, name);
const ignored = dockerignore().add(
  readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#')),
);

/** A path of the image (absolute, or relative to WORKDIR) in the stage's directory. */
const inStage = (stage: string, path: string): string => {
  if (!path.startsWith('/')) return join(stageDir(stage), path);
  if (path === workdir || path.startsWith(`${workdir}/`)) return join(stageDir(stage), relative(workdir, path));
  throw new Error(`${path} is outside ${workdir}: the steps test only replays the application's directory`);
};

const copy = (stage: Stage, step: Extract<Step, { kind: 'copy' }>): void => {
  const target = inStage(stage.name, step.destination);
  const intoDirectory = step.destination.endsWith('/') || step.sources.length > 1;
  for (const source of step.sources) {
    const from = step.from === undefined ? join(repoRoot, source) : inStage(step.from, source);
    if (step.from === undefined && ignored.ignores(source)) {
      throw new Error(`COPY ${source}: .dockerignore leaves it out of the build context`);
    }
    if (!existsSync(from)) throw new Error(`COPY ${source}: not found at ${from}`);
    const to = intoDirectory && !statSync(from).isDirectory() ? join(target, basename(source)) : target;
    cpSync(from, to, {
      recursive: true,
      // Docker sends the context without what .dockerignore names: nothing below it arrives.
      filter: (path) => step.from !== undefined || !ignored.ignores(relative(repoRoot, path) || '.'),
    });
  }
};

const run = async (stage: Stage, command: string, npmCache: string): Promise<void> => {
  const cleansCache = stage.steps.some((step) => step.kind === 'run' && /npm cache clean/.test(step.command));
  const result = await runTool('sh', ['-c', command], {
    cwd: stageDir(stage.name),
    env: {
      HOME: process.env.HOME ?? root,
      ...stage.env,
      // A stage that empties npm's cache gets one of its own, never the machine's.
      ...(cleansCache ? { npm_config_cache: npmCache } : {}),
      npm_config_update_notifier: 'false',
    },
    timeoutMs: 400_000,
  });
  if (result.code !== 0) {
    throw new Error(`RUN ${command} (stage ${stage.name}) exited ${result.code}:\n${result.stderr.slice(-4000)}`);
  }
};

beforeAll(async () => {
  for (const stage of stages) {
    mkdirSync(stageDir(stage.name));
    for (const step of stage.steps) {
      if (step.kind === 'copy') copy(stage, step);
      else await run(stage, step.command, join(root, `npm-cache-${stage.name}`));
    }
  }
}, 900_000);

// Two node_modules trees: removing them takes a while on a busy machine.
afterAll(() => rm(root, { recursive: true, force: true }), 300_000);

const runtime = (): Stage => {
  const last = stages.at(-1);
  if (last?.name !== 'runtime') throw new Error('the last stage of docker/Dockerfile is not "runtime"');
  return last;
};

describe('docker/Dockerfile', () => {
  it('has a build stage and a runtime stage, each working in /app, the runtime one as the user node', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
    for (const stage of stages) expect(stage.workdir).toBe(workdir);
    expect(runtime().user).toBe('node');
  });

  it('sets up only the operating system before WORKDIR, so every application step is replayed here', () => {
    const commands = stages.flatMap((stage) => stage.systemSteps.flatMap((step) => step.split('&&')));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command.trim().split(/\s+/)[0]).toMatch(/^(apt-get|rm|mkdir|chown)$/);
  });

  it('compiles in the build stage and ships the compiled code with production dependencies only', () => {
    // package-lock.json marks what only the devDependencies need: none of it may be in the image.
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    const entries = Object.entries(lock.packages).filter(([path]) => path.startsWith('node_modules/'));
    const devOnly = entries.filter(([, entry]) => entry.dev === true).map(([path]) => path);
    const production = entries.filter(([, entry]) => entry.dev !== true).map(([path]) => path);
    expect(devOnly).toContain('node_modules/typescript');
    expect(existsSync(join(stageDir('build'), 'node_modules', 'typescript'))).toBe(true);
    expect(existsSync(join(stageDir('runtime'), 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(stageDir('runtime'), 'src'))).toBe(false);
    expect(devOnly.filter((path) => existsSync(join(stageDir('runtime'), path)))).toEqual([]);
    const optional = (path: string): boolean => lock.packages[path]?.optional === true;
    expect(production.filter((path) => !optional(path) && !existsSync(join(stageDir('runtime'), path)))).toEqual([]);
  });

  it("starts the runtime stage's CMD with the image's ENV, passes its HEALTHCHECK, and drains on SIGTERM with exit 0", async () => {
    const stage = runtime();
    const [program, ...args] = stage.cmd ?? [];
    expect(program).toBe('node');
    const script = args.at(-1);
    const nodeArgs = args.slice(0, -1);
    // The image runs node as `npm start` does: the same V8 flags (the young generation's size).
    expect(nodeArgs).toEqual(startScriptNodeArgs());
    const healthcheck = stage.healthcheck ?? [];
    expect(healthcheck[0]).toBe('node');
    const checkHealth = (port: number) =>
      runTool(process.execPath, healthcheck.slice(1), { env: { PORT: String(port) }, timeoutMs: 10_000 });
    // Nothing listens on the image's port here: the check fails, as it must before the server is up.
    expect((await checkHealth(Number(stage.env.PORT))).code).toBe(1);

    // The image's ENV, but on loopback, a free port and a data directory of the test's own;
    // no REDIS_URL or event store: the embedded ones, so the build alone is what is tested.
    const { HOST: _host, PORT: _port, DATA_DIR: _dataDir, ...imageEnv } = stage.env;
    expect(imageEnv.NODE_ENV).toBe('production');
    const server = await startServerProcess(imageEnv, 60_000, {
      script: join(stageDir('runtime'), script as string),
      nodeArgs,
      cwd: stageDir('runtime'),
    });
    try {
      const port = Number(new URL(server.baseUrl).port);
      await waitFor('the HEALTHCHECK command to pass', async () => (await checkHealth(port)).code === 0, {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
    expect(server.output()).toContain('"msg":"stopped"');
  }, 120_000);
});
