import { type ChildProcess, spawn } from 'node:child_process';

const cliScript = new URL('../../dist/esdb-local/cli.js', import.meta.url).pathname;

/** esdb-local running as its own process (`node dist/esdb-local/cli.js`), as `npm run esdb-local` runs it. */
export interface EsdbLocalProcess {
  readonly child: ChildProcess;
  readonly connectionString: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Sends the signal and resolves with the exit code (or signal name) once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const exitOf = (child: ChildProcess): Promise<number | string> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else if (child.signalCode !== null) resolve(child.signalCode);
    else child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

/** Starts esdb-local on `dir` and a free port; resolves once it prints its connection string. */
export const startEsdbLocalProcess = (dir: string, timeoutMs = 20_000): Promise<EsdbLocalProcess> => {
  const child = spawn(process.execPath, [cliScript, '--port', '0', '--db', dir], { stdio: 'pipe' });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`esdb-local did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`esdb-local exited with ${code} before listening:\n${output}`));
    };
    child.once('exit', onExit);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /esdb-local listening: (\S+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve({
        child,
        connectionString: match[1]!,
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
