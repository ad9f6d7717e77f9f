import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { launch, stopper } from '../child-process.js';
import { cpuMeter } from '../cpu.js';

/** esdb-local's CLI, as built by `npm run build`. */
const cli = new URL('../../../dist/esdb-local/cli.js', import.meta.url).pathname;

export interface Server {
  readonly connectionString: string;
  readonly startMs: number;
  readonly child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the CLI on `dir` and measures the time until it prints its connection string. */
export const startServer = async (dir: string): Promise<Server> => {
  const started = performance.now();
  const { child, match } = await launch(cli, ['--port', '0', '--db', dir], process.env, /esdb-local listening: (\S+)/);
  return { connectionString: match[1]!, startMs: performance.now() - started, child, stop: stopper(child) };
};

/** How busy client (this process) and server were while `work` ran, as % of one core each. */
export const measured = async <T extends object>(server: Server, work: () => Promise<T>) => {
  const started = performance.now();
  const used = cpuMeter({ client: process.pid, server: server.child.pid });
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const { client = 0, server: serverSeconds } = used();
  return {
    ...result,
    clientCpuPercent: Math.round((client / seconds) * 100),
    serverCpuPercent: serverSeconds === undefined ? undefined : Math.round((serverSeconds / seconds) * 100),
  };
};

export const cpuNote = (result: { clientCpuPercent: number; serverCpuPercent: number | undefined }) =>
  `(CPU: client ${result.clientCpuPercent}%, server ${result.serverCpuPercent ?? '?'}%)`;
