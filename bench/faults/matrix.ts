import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../test/support/wait-for.js';
import {
  acknowledgedInLog,
  awaitSubscribers,
  type Check,
  moneyConserved,
  noWrongfulRefusal,
  readLog,
  readModelsEqualRebuild,
  settle,
  subscribersExact,
} from './oracle.js';
import { root } from './processes.js';
import type { FaultContext, Row } from './row.js';
import { ResumingSubscriber } from './subscriber.js';
import { Workload } from './workload.js';

/*
 * Runs rows one after another, each on fresh processes: open the shared accounts, start the
 * subscribers and the load, wait for some acknowledgements, inject the fault, wait for more
 * (the service recovered), stop the load, let the read models settle, then ask the oracle.
 */

/** How much load a run puts through each row. */
export interface MatrixSize {
  readonly workers: number;
  readonly lifecycleWorkers: number;
  readonly racers: number;
  readonly sharedAccounts: number;
  /** Acknowledgements each phase waits for: before the fault, after recovery. */
  readonly phaseAcks: number;
  readonly maxOps: number;
  readonly maxMs: number;
}

export const fullSize: MatrixSize = {
  workers: 4,
  lifecycleWorkers: 1,
  racers: 1,
  sharedAccounts: 6,
  phaseAcks: 80,
  maxOps: 6_000,
  maxMs: 60_000,
};
export const shortSize: MatrixSize = {
  workers: 2,
  lifecycleWorkers: 1,
  racers: 1,
  sharedAccounts: 4,
  phaseAcks: 20,
  maxOps: 1_500,
  maxMs: 20_000,
};

export interface RowResult {
  readonly fault: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly checks: readonly Check[];
  readonly load: {
    readonly sent: number;
    readonly acked: number;
    readonly unknown: number;
    readonly failures: Record<string, number>;
  };
}

const rowTimeoutMs = 240_000;

const stepTimeoutMs = 90_000;

/** Runs `step` and turns a throw, or a step that outlives its bound, into a failed check of that name. */
const checked = async (name: string, step: () => Promise<Check> | Check): Promise<Check> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      step(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`gave up after ${stepTimeoutMs / 1000} s`)), stepTimeoutMs);
      }),
    ]);
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message.split('\n')[0]!.slice(0, 300) };
  } finally {
    clearTimeout(timer);
  }
};

export const runRow = async (row: Row, size: MatrixSize, index: number): Promise<RowResult> => {
  const started = Date.now();
  const checks: Check[] = [];
  const cluster = await row.cluster();
  const label = `r${index}${Date.now().toString(36)}`;
  const workload = new Workload({
    urls: () => cluster.commandUrls(),
    label,
    workers: size.workers,
    lifecycleWorkers: row.depositsOnly ? 0 : size.lifecycleWorkers,
    racers: row.depositsOnly ? 0 : size.racers,
    maxOps: row.depositsOnly ? size.maxOps * 4 : size.maxOps,
    maxMs: size.maxMs,
    depositsOnly: row.depositsOnly ?? false,
  });
  const subscribers: ResumingSubscriber[] = [];
  const body = async (): Promise<void> => {
    const since = await workload.openSharedAccounts(size.sharedAccounts);
    subscribers.push(
      new ResumingSubscriber('all-1', () => cluster.wsUrl(0), since),
      new ResumingSubscriber('all-2', () => cluster.wsUrl(1), since),
      new ResumingSubscriber('one-account', () => cluster.wsUrl(0), since, workload.sharedAccounts[0]),
    );
    for (const subscriber of subscribers) subscriber.start();
    workload.start();
    const moreAcks = async (count: number, what: string, timeoutMs = 30_000): Promise<void> => {
      const target = workload.acked.length + count;
      await waitFor(
        `${count} more acknowledged ${what}`,
        () => workload.acked.length >= target || (!workload.running && 'stopped'),
        {
          timeoutMs,
          intervalMs: 20,
        },
      );
      if (workload.acked.length < target)
        throw new Error(`the load hit its bounds before ${count} more acknowledged ${what}`);
    };
    const context: FaultContext = { cluster, workload, moreAcks, phaseAcks: size.phaseAcks };
    checks.push(
      await checked('load before the fault', async () => {
        await moreAcks(size.phaseAcks, 'mutations before the fault');
        return { name: 'load before the fault', ok: true, detail: `${workload.acked.length} acknowledged` };
      }),
    );
    const fault = await row.inject(context);
    checks.push(...fault.checks);
    checks.push(
      await checked('recovered', async () => {
        const before = workload.acked.length;
        await moreAcks(size.phaseAcks, 'mutations after recovery');
        return {
          name: 'recovered',
          ok: true,
          detail: `${workload.acked.length - before} more acknowledged after the fault`,
        };
      }),
    );
    await workload.stop();
    checks.push(
      await checked('caught up', async () => {
        await settle(cluster.queryUrl());
        return { name: 'caught up', ok: true, detail: 'every read model applied the whole log' };
      }),
    );
    if (fault.afterSettling) checks.push(...(await fault.afterSettling()));
    const log = await readLog(cluster.eventStore());
    await awaitSubscribers(subscribers, log);
    checks.push(acknowledgedInLog(workload.acked, log));
    checks.push(
      await checked('read models = rebuild', () => readModelsEqualRebuild(cluster.redisUrl(), cluster.eventStore())),
    );
    checks.push(await checked('money conserved', () => moneyConserved(cluster.queryUrl(), log)));
    checks.push(subscribersExact(subscribers, log, since));
    checks.push(noWrongfulRefusal(workload.wrongful, workload.refusals));
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      body(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the row did not finish within ${rowTimeoutMs / 1000} s`)),
          rowTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    checks.push({ name: 'row ran', ok: false, detail: (error as Error).message.split('\n')[0]!.slice(0, 300) });
  } finally {
    clearTimeout(timer);
    await workload.stop();
    await Promise.all(subscribers.map((subscriber) => subscriber.stop()));
    await cluster.stop();
  }
  return {
    fault: row.fault,
    ok: checks.every((check) => check.ok),
    seconds: (Date.now() - started) / 1000,
    checks,
    load: {
      sent: workload.sent,
      acked: workload.acked.length,
      unknown: workload.unknown,
      failures: Object.fromEntries(workload.failures),
    },
  };
};

const cell = (text: string, width: number): string =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);

/** The table: one line per check, the fault named on its row's first line. */
export const formatTable = (results: readonly RowResult[]): string => {
  const widths = [54, 22, 110];
  const line = (cells: string[]) => `| ${cells.map((text, index) => cell(text, widths[index]!)).join(' | ')} |`;
  const lines = [line(['fault', 'checked', 'result']), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`];
  for (const result of results) {
    result.checks.forEach((check, index) => {
      const fault = index === 0 ? `${result.fault} (${result.seconds.toFixed(0)} s)` : '';
      lines.push(line([fault, check.name, `${check.ok ? 'pass' : 'FAIL'}: ${check.detail}`]));
    });
  }
  return lines.join('\n');
};

/** Runs the rows in turn, printing each as it ends; writes every detail as JSON under bench/results/. */
export const runMatrix = async (rows: readonly Row[], size: MatrixSize, log: (line: string) => void = console.log) => {
  const started = Date.now();
  const results: RowResult[] = [];
  for (const [index, row] of rows.entries()) {
    log(`fault ${index + 1}/${rows.length}: ${row.fault} …`);
    const result = await runRow(row, size, index);
    results.push(result);
    log(
      `  ${result.ok ? 'pass' : 'FAIL'} in ${result.seconds.toFixed(1)} s (${result.load.acked} acknowledged of ${result.load.sent} sent)`,
    );
  }
  const seconds = (Date.now() - started) / 1000;
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `faults-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ seconds, size, results }, null, 2)}\n`);
  return { results, seconds, file, ok: results.every((result) => result.ok) };
};
