import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The real processes a fault row runs and breaks: esgraph nodes (`node dist/main.js`), esdb-local
 * (`node dist/esdb-local/cli.js`) and redis-server, each a child of the harness on 127.0.0.1.
 * The harness runs both compiled (dist-bench/) and from source (vitest), so it finds the build by
 * walking up to the repository root rather than by a fixed relative path.
 */

const repoRoot = (): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'main.ts'))) return dir;
  }
  throw new Error('fault harness: cannot find the repository root');
};

export const root = repoRoot();
export const distScript = (relative: string): string => join(root, 'dist', relative);

export const tempDir = (name: string): string => mkdtempSync(join(tmpdir(), `esgraph-faults-${name}-`));

/** Keeps the last part of what a process printed, for a FAIL's reason; the rest is dropped. */
const outputTail = 256 * 1024;

const live = new Set<ChildProcess>();
// A harness that dies (or is interrupted) must not leave servers holding ports and data dirs.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A child process the harness started and may kill, stop or pause. */
export interface Proc {
  readonly name: string;
  readonly pid: number;
  output(): string;
  exited(): boolean;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL, and resolves once it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (after SIGCONT, in case it is paused); SIGKILL if it is not gone within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const exitOf = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/**
 * Spawns `command args` and resolves once its output matches `ready`, with the match; rejects
 * with what it printed if it exits or stays silent for `timeoutMs` first.
 */
export const spawnProc = (
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 20_000,
): Promise<{ proc: Proc; match: RegExpExecArray }> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.once('exit', () => live.delete(child));
    let output = '';
    let matched = false;
    const append = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.length > outputTail * 2) output = output.slice(-outputTail);
    };
    const proc: Proc = {
      name,
      pid: child.pid ?? -1,
      output: () => output,
      exited: () => child.exitCode !== null || child.signalCode !== null,
      signal: (signal) => {
        if (!proc.exited()) child.kill(signal);
      },
      kill9: async () => {
        proc.signal('SIGKILL');
        await exitOf(child);
      },
      stop: async (graceMs = 5_000) => {
        if (proc.exited()) return;
        proc.signal('SIGCONT');
        proc.signal('SIGTERM');
        const timer = setTimeout(() => proc.signal('SIGKILL'), graceMs);
        await exitOf(child);
        clearTimeout(timer);
      },
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not become ready within ${timeoutMs} ms:\n${output.slice(-4000)}`));
    }, timeoutMs);
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output.slice(-4000)}`));
    };
    child.once('exit', onExit);
    child.stderr?.on('data', append);
    child.stdout?.on('data', (chunk: Buffer) => {
      append(chunk);
      if (matched) return;
      const match = ready.exec(output);
      if (match === null) return;
      matched = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve({ proc, match });
    });
  });

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });

/** Resident memory of a process in bytes, from /proc (undefined once it is gone). */
export const residentBytes = (pid: number): number | undefined => {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
};

/** Pids of the descendants of `pid` whose command name is `comm` (e.g. an embedded redis-server). */
export const descendantsNamed = (pid: number, comm: string): number[] => {
  const parents = new Map<number, { ppid: number; comm: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing paren.
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      parents.set(Number(entry), { ppid, comm: name });
    } catch {
      // The process ended while we looked.
    }
  }
  const isDescendant = (candidate: number): boolean => {
    for (let at = parents.get(candidate)?.ppid; at !== undefined && at > 1; at = parents.get(at)?.ppid) {
      if (at === pid) return true;
    }
    return false;
  };
  return [...parents].filter(([child, info]) => info.comm === comm && isDescendant(child)).map(([child]) => child);
};
