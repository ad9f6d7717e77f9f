import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The repository root and its docker/ folder, whatever the test's working directory. */
export const repoRoot = new URL('../..', import.meta.url).pathname;
export const dockerDir = join(repoRoot, 'docker');

export interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a program to its end (killed past `timeoutMs`) with exactly `env` (PATH is added), and
 * resolves with its exit code and output whatever the code.
 */
export const runTool = (
  command: string,
  args: readonly string[],
  {
    cwd = repoRoot,
    env = {},
    timeoutMs = 60_000,
  }: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ToolRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

/** Fails with how to get it when a program the docker checks run is not installed. */
export const requireTool = async (command: string, versionArgs: readonly string[], install: string): Promise<void> => {
  try {
    await runTool(command, versionArgs);
  } catch {
    throw new Error(`${command} is not installed: ${install} (.ci/run installs it)`);
  }
};

/** A YAML file of docker/, parsed with merge keys (`<<: *anchor`) applied as Compose applies them. */
export const readDockerYaml = (file: string): unknown =>
  parse(readFileSync(join(dockerDir, file), 'utf8'), { merge: true });

/** A Compose file's service as far as these checks read it. */
export interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context?: string; readonly dockerfile?: string };
  readonly environment?: Record<string, string | number | boolean | null>;
  readonly volumes?: readonly (string | { readonly type?: string; readonly source?: string })[];
  readonly profiles?: readonly string[];
  readonly deploy?: { readonly replicas?: number };
}

export interface ComposeModel {
  readonly services: Record<string, ComposeService>;
}

/** The two Compose files one runs (observability.yaml only lends services to them). */
export const composeFiles = ['compose.yaml', 'compose.cluster.yaml'] as const;

/** A JWT_SECRET for interpolating compose.cluster.yaml: long enough for src/config.ts. */
export const interpolationEnv = { JWT_SECRET: 'compose-check-secret-0123456789abcdef0123456789' };

/** `docker-compose config` of one file (interpolated, extends applied), parsed. */
export const composeConfig = async (
  file: string,
  env: Record<string, string> = interpolationEnv,
): Promise<ComposeModel> => {
  const run = await runTool('docker-compose', ['-f', join(dockerDir, file), 'config'], { env });
  if (run.code !== 0) throw new Error(`docker-compose config ${file} exited ${run.code}: ${run.stderr}`);
  return parse(run.stdout) as ComposeModel;
};

/** The services built from docker/Dockerfile: esgraph nodes. */
export const esgraphServices = (model: ComposeModel): [string, ComposeService][] =>
  Object.entries(model.services).filter(([, service]) => service.build?.dockerfile === 'docker/Dockerfile');
