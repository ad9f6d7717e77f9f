import { readFileSync } from 'node:fs';

/** CPU seconds a process has used so far (Linux /proc; undefined elsewhere or once it is gone). */
const cpuSecondsOf = (pid: number | undefined): number | undefined => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
  } catch {
    return undefined;
  }
};

/** Processes to watch during a run, by the name a report gives them. */
export type WatchedProcesses = Readonly<Record<string, number | undefined>>;

/** Starts counting the CPU the watched processes use; the returned function says how much, so far. */
export const cpuMeter = (processes: WatchedProcesses) => {
  const before = Object.entries(processes).map(([name, pid]) => [name, pid, cpuSecondsOf(pid)] as const);
  return (): Record<string, number> => {
    const used: Record<string, number> = {};
    for (const [name, pid, start] of before) {
      const end = cpuSecondsOf(pid);
      if (start !== undefined && end !== undefined) used[name] = end - start;
    }
    return used;
  };
};
