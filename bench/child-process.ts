import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Starts `node <script>` and resolves once its output matches `ready`; rejects with what it
 * printed if it exits first. Afterwards its stdout is drained (or shown, with BENCH_CHILD_LOGS=1).
 * `nodeArgs` (e.g. `--cpu-prof`) go to node itself, for profiling a run.
 */
export const launch = (
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  nodeArgs: string[] = [],
) =>
  new Promise<{ child: ChildProcess; match: RegExpExecArray }>((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        child.removeListener('exit', onEarlyExit);
        // BENCH_CHILD_LOGS=1 shows what the servers log, to see what a run is waiting for.
        if (process.env.BENCH_CHILD_LOGS) child.stdout?.pipe(process.stderr);
        else child.stdout?.resume();
        resolve({ child, match });
      }
    };
    const onEarlyExit = (code: number | null): void => {
      reject(new Error(`${script} exited with ${code} before it was ready:\n${output}`));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', onEarlyExit);
  });

/** Stops the child with `signal` and resolves once it has exited (at once if it already has). */
export const stopper =
  (child: ChildProcess) =>
  (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
