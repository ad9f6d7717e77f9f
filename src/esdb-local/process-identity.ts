import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/*
 * A pid alone does not name a process: after a kill -9 and a restart (a container's pid 1, a
 * busy machine) the dead owner's pid can belong to anyone. Together with the process's start
 * time, and the boot it ran in, it does. Linux gives both in /proc, cheaply and exactly; other
 * systems get the start time from ps, to the second.
 */

/** Who a process is, as far as this system can tell: written into lock and record files. */
export interface ProcessIdentity {
  readonly pid: number;
  /** Linux: field 22 of /proc/<pid>/stat (clock ticks since boot); elsewhere `ps -o lstart=`. Absent if unknown. */
  readonly startTime?: string;
  /** Linux: /proc/sys/kernel/random/boot_id, so a record from before a reboot is seen as stale. */
  readonly bootId?: string;
}

const readText = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

const currentBootId = readText('/proc/sys/kernel/random/boot_id')?.trim() || undefined;

// /proc/<pid>/stat is `pid (comm) state ppid …`; comm may hold spaces and parentheses, so the
// fields are counted from the last ')': field 3 (state) is the first after it, 22 the 20th.
const linuxStartTicks = (pid: number): string | undefined => {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

const psStartTime = (pid: number): string | undefined => {
  try {
    const started = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return started.trim().replace(/\s+/g, ' ') || undefined;
  } catch {
    return undefined;
  }
};

const hasProc = currentBootId !== undefined || fs.existsSync('/proc/self/stat');

const startTimeOf = (pid: number): string | undefined => (hasProc ? linuxStartTicks(pid) : psStartTime(pid));

// Linux reports /proc times in USER_HZ, which is 100 wherever Linux runs (it is not CONFIG_HZ).
const userHz = 100;

const bootTimeMs = (): number | undefined => {
  const btime = /^btime (\d+)$/m.exec(readText('/proc/stat') ?? '')?.[1];
  return btime === undefined ? undefined : Number(btime) * 1000;
};

// When the process with this pid started, in ms since the epoch, to about a second; undefined
// when it does not run or the system will not say.
const startedAtMs = (pid: number): number | undefined => {
  const started = startTimeOf(pid);
  if (started === undefined) return undefined;
  if (!hasProc) {
    const parsed = Date.parse(started);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  const boot = bootTimeMs();
  return boot === undefined ? undefined : boot + (Number(started) * 1000) / userHz;
};

/** Whether some process, ours or not, has this pid now. */
const pidExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The identity of the process that has this pid now, or undefined when none has. */
export const identityOf = (pid: number): ProcessIdentity | undefined => {
  if (!pidExists(pid)) return undefined;
  const startTime = startTimeOf(pid);
  return {
    pid,
    ...(startTime === undefined ? {} : { startTime }),
    ...(currentBootId === undefined ? {} : { bootId: currentBootId }),
  };
};

let self: ProcessIdentity | undefined;

/** This process's identity (read once). */
export const currentProcess = (): ProcessIdentity => {
  self ??= identityOf(process.pid) ?? { pid: process.pid };
  return self;
};

// The boot clock behind a start time is good to about a second; leave room for it.
const clockSlackMs = 2_000;

/**
 * Whether the process a record names still runs: its pid exists, in the same boot, with the same
 * start time. An old record names a pid only; given when it was written (`recordedAtMs`, the
 * file's mtime), the process that has that pid now cannot be its writer if it started after
 * that. What neither tells, or the system cannot say, is taken to match, so a live owner is
 * never mistaken for a dead one on that account.
 */
export const isStillRunning = (recorded: ProcessIdentity, recordedAtMs?: number): boolean => {
  if (!pidExists(recorded.pid)) return false;
  if (recorded.bootId !== undefined && currentBootId !== undefined && recorded.bootId !== currentBootId) return false;
  if (recorded.startTime !== undefined) {
    const startTime = startTimeOf(recorded.pid);
    return startTime === undefined || startTime === recorded.startTime;
  }
  if (recordedAtMs === undefined) return true;
  const started = startedAtMs(recorded.pid);
  return started === undefined || started <= recordedAtMs + clockSlackMs;
};

/** The identity as lines of text: the pid first and alone on its line, so pid-only readers still read it. */
export const formatIdentity = (identity: ProcessIdentity): string => {
  const lines = [String(identity.pid)];
  if (identity.startTime !== undefined) lines.push(`start ${identity.startTime}`);
  if (identity.bootId !== undefined) lines.push(`boot ${identity.bootId}`);
  return `${lines.join('\n')}\n`;
};

/** Reads what {@link formatIdentity} wrote, or an old pid-only record; undefined if it is neither. */
export const parseIdentity = (text: string): ProcessIdentity | undefined => {
  const [first = '', ...rest] = text.split('\n');
  const pid = Number.parseInt(first, 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const value = (key: string) =>
    rest
      .find((line) => line.startsWith(`${key} `))
      ?.slice(key.length + 1)
      .trim() || undefined;
  const startTime = value('start');
  const bootId = value('boot');
  return { pid, ...(startTime === undefined ? {} : { startTime }), ...(bootId === undefined ? {} : { bootId }) };
};
