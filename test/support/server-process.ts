import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withTestKey } from './test-tokens.js';

const mainScript = new URL('../../dist/main.js', import.meta.url).pathname;

/** An esgraph server running as a child process, as `npm start` runs it. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** http://127.0.0.1:PORT/graphql */
  readonly url: string;
  /** ws://127.0.0.1:PORT/graphql */
  readonly wsUrl: string;
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  readonly dataDir: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Sends the signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface ExitedProcess {
  readonly code: number | null;
  readonly output: string;
}

const live = new Set<ChildProcess>();
// A test that times out never reaches its cleanup: its servers (and, through the pipe their
// redis-server's guard watches, their Redis) go when the test worker does.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const freshDataDir = (): string => mkdtempSync(join(tmpdir(), 'esgraph-test-'));

/** The environment a test server gets: its own port and data dir, quiet logs, nothing inherited by accident. */
const serverEnv = (env: Record<string, string>, dataDir: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  HOST: '127.0.0.1',
  PORT: '0',
  DATA_DIR: dataDir,
  LOG_LEVEL: 'info',
  // Off unless a test asks: one loopback address sends every test's requests, past any real limit.
  RATE_LIMIT: 'off',
  ...withTestKey(env),
});

const exitOf = (child: ChildProcess): Promise<number | string> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else if (child.signalCode !== null) resolve(child.signalCode);
    else child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

/** `esgraph listening` with its port, in a JSON line or a pretty one (LOG_PRETTY=on). */
const listening = /"port":(\d+)[^\n]*"msg":"esgraph listening"|esgraph listening[^\n]*"port":(\d+)/;

/** Where the server runs from and how: this checkout's build unless a test built one elsewhere. */
export interface ServerSpawnOptions {
  /** The entry script (default: this checkout's dist/main.js). */
  readonly script?: string;
  /** Node's own flags, before the script (`--max-semi-space-size=64`, as the image's CMD gives it). */
  readonly nodeArgs?: readonly string[];
  readonly cwd?: string;
  /**
   * Its own process group (pid = pgid), as a shell puts a foreground job: `process.kill(-pid,
   * 'SIGINT')` then does what a terminal's Ctrl-C does, signalling everything in the group.
   */
  readonly ownProcessGroup?: boolean;
}

/** Starts `node dist/main.js` on a free port and resolves once it logs that it listens. */
export const startServerProcess = (
  env: Record<string, string> = {},
  timeoutMs = 20_000,
  { script = mainScript, nodeArgs = [], cwd, ownProcessGroup = false }: ServerSpawnOptions = {},
): Promise<ServerProcess> => {
  const dataDir = env.DATA_DIR ?? freshDataDir();
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: serverEnv(env, dataDir),
    stdio: 'pipe',
    detached: ownProcessGroup,
    ...(cwd ? { cwd } : {}),
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    };
    child.once('exit', onExit);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = listening.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      const port = match[1] ?? match[2];
      const baseUrl = `http://127.0.0.1:${port}`;
      resolve({
        child,
        url: `${baseUrl}/graphql`,
        wsUrl: `ws://127.0.0.1:${port}/graphql`,
        baseUrl,
        dataDir,
        output: () => output,
        stop: (signal = 'SIGTERM') => {
          const exited = exitOf(child);
          child.kill(signal);
          return exited;
        },
      });
    });
  });
};

/** Runs the server expecting it to exit by itself (a startup failure), with its exit code and output. */
export const runServerToExit = (env: Record<string, string>, timeoutMs = 20_000): Promise<ExitedProcess> => {
  const child = spawn(process.execPath, [mainScript], { env: serverEnv(env, env.DATA_DIR ?? freshDataDir()) });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
};

/** The development tokens an embedded server logged at start-up (no key source configured), by role. */
export const devTokensIn = (output: string): Map<string, string> =>
  new Map([...output.matchAll(/"role":"(\w+)"[^\n]*"msg":"dev token: Bearer ([\w.-]+)"/g)].map((m) => [m[1]!, m[2]!]));

/** Whether nothing accepts connections on the loopback port (a killed server's redis-server gone, say). */
export const refusesConnections = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
