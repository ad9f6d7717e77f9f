import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { cpuSecondsOf } from '../cpu.js';

/** esdb-local's CLI, as built by `npm run build`. */
const cli = new URL('../../../dist/esdb-local/cli.js', import.meta.url).pathname;

export interface Server {
  readonly connectionString: string;
  readonly startMs: number;
  readonly child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the CLI on `dir` and measures the time until it prints its connection string. */
export const startServer = (dir: string): Promise<Server> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, '--port', '0', '--db', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.once('exit', (code) => reject(new Error(`esdb-local exited with ${code}:\n${output}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /esdb-local listening: (\S+)/.exec(output);
      if (!match) return;
      child.removeAllListeners('exit');
      resolve({
        connectionString: match[1]!,
        startMs: performance.now() - started,
        child,
        stop: (signal = 'SIGTERM') =>
          new Promise((done) => {
            child.once('exit', () => done());
            child.kill(signal);
          }),
      });
    });
  });

/** How busy client (this process) and server were while `work` ran, as % of one core each. */
export const measured = async <T extends object>(server: Server, work: () => Promise<T>) => {
  const started = performance.now();
  const client = process.cpuUsage();
  const serverBefore = cpuSecondsOf(server.child.pid);
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(client);
  const serverAfter = cpuSecondsOf(server.child.pid);
  return {
    ...result,
    clientCpuPercent: Math.round(((user + system) / 1e6 / seconds) * 100),
    serverCpuPercent:
      serverBefore === undefined || serverAfter === undefined
        ? undefined
        : Math.round(((serverAfter - serverBefore) / seconds) * 100),
  };
};

export const cpuNote = (result: { clientCpuPercent: number; serverCpuPercent: number | undefined }) =>
  `(CPU: client ${result.clientCpuPercent}%, server ${result.serverCpuPercent ?? '?'}%)`;
