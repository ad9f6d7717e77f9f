import { readFileSync } from 'node:fs';

/**
 * CPU seconds a process has used so far, or its main thread alone with `mainThread` (Linux /proc;
 * undefined elsewhere or once it is gone).
 */
const cpuSecondsOf = (pid: number | undefined, mainThread = false): number | undefined => {
  try {
    const path = mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
    const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
  } catch {
    return undefined;
  }
};

/** Processes to watch during a run, by the name a report gives them. */
export type WatchedProcesses = Readonly<Record<string, number | undefined>>;

/** The name a process's main-thread CPU is reported under, beside its whole CPU. */
export const mainThreadOf = (name: string): string => `${name} main thread`;

/**
 * Starts counting the CPU the watched processes use; the returned function says how much, so far.
 * A watched server's main thread is counted on its own too (`mainThreadOf`): what runs the
 * requests' JavaScript, apart from V8's compiler and collector threads, whose share moves with
 * how warm a process is.
 */
export const cpuMeter = (processes: WatchedProcesses) => {
  const counters = Object.entries(processes).flatMap(([name, pid]) => [
    [name, () => cpuSecondsOf(pid)] as const,
    ...(pid === process.pid ? [] : [[mainThreadOf(name), () => cpuSecondsOf(pid, true)] as const]),
  ]);
  const before = counters.map(([name, read]) => [name, read, read()] as const);
  return (): Record<string, number> => {
    const used: Record<string, number> = {};
    for (const [name, read, start] of before) {
      const end = read();
      if (start !== undefined && end !== undefined) used[name] = end - start;
    }
    return used;
  };
};
