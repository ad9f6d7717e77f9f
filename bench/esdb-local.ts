import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { type AppendResult, appendPhase, event, readAllPhase, subscriptionPhase } from './esdb-local/phases.js';
import { cpuNote, measured, startServer } from './esdb-local/server-process.js';
import { median } from './load.js';

/*
 * `npm run bench:esdb-local`: esdb-local's throughput through the official client, with the
 * server in a child process on disk (fsync on) and the client in this one, so that on a 2-core
 * machine each gets a core. Prints a table and writes JSON to bench/results/.
 *
 * ESDB_BENCH_EVENTS sets the size of the log built for the read, subscription and start-up
 * measurements (default 1,000,000); ESDB_BENCH_SECONDS the length of each append phase (default 5).
 */

const LOG_EVENTS = Number(process.env.ESDB_BENCH_EVENTS ?? 1_000_000);
const PHASE_SECONDS = Number(process.env.ESDB_BENCH_SECONDS ?? 5);
const resultsDir = new URL('../../bench/results/', import.meta.url).pathname;

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'esdb-local-bench-'));
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    setup: 'server: node dist/esdb-local/cli.js --db <tmp> (child process, disk, fsync on); client: this process',
    logEvents: LOG_EVENTS,
    // Other work on the machine skews every figure: the load averages before and after say how much there was.
    loadAverageBefore: loadavg(),
  };
  const rows: [string, string][] = [];
  const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;
  try {
    let server = await startServer(dir);
    let client = EventStoreDBClient.connectionString(server.connectionString);
    await client.appendToStream('warm-up', event(0));

    for (const [writers, batch] of [
      [1, 1],
      [64, 1],
      [1, 100],
      [64, 100],
    ] as const) {
      const result = await measured(server, () => appendPhase(client, { writers, batch, seconds: PHASE_SECONDS }));
      results[`append_${writers}w_${batch}e`] = result;
      rows.push([
        `append, ${writers} writer${writers > 1 ? 's' : ''}, ${batch} event${batch > 1 ? 's' : ''} each`,
        `${rate(result.appendsPerSecond)} appends, ${rate(result.eventsPerSecond)} events ${cpuNote(result)}`,
      ]);
      console.error(rows[rows.length - 1]!.join(': '));
    }

    // Fill the log up to the size the read, subscription and start-up measurements use.
    let written = 0;
    for (const [key, value] of Object.entries(results)) {
      if (key.startsWith('append_')) written += (value as AppendResult).events;
    }
    if (written < LOG_EVENTS) {
      await appendPhase(client, { writers: 64, batch: 100, seconds: 3600, maxEvents: LOG_EVENTS - written });
    }

    // Reads and subscriptions right after writing: the newest records sit in the server's tail cache.
    const hot = await measured(server, () => readAllPhase(client));
    results.readAll_warm = hot;
    // The append phases may have written more than asked for: name the log by what it holds.
    const logSize = hot.events.toLocaleString('en-US');
    rows.push([
      `read $all from start (${hot.events.toLocaleString('en-US')} events, just written)`,
      `${rate(hot.eventsPerSecond)} ${cpuNote(hot)}`,
    ]);
    console.error(rows[rows.length - 1]!.join(': '));
    await client.dispose();
    await server.stop();

    // Start-up on the full log: after a clean stop (index checkpoint), three times.
    const startups: number[] = [];
    for (let run = 0; run < 3; run++) {
      server = await startServer(dir);
      startups.push(server.startMs);
      if (run < 2) await server.stop();
    }
    results.startup_ms_clean = { runs: startups, median: median(startups) };
    rows.push([`start-up on ${logSize} events (clean stop)`, `${Math.round(median(startups))} ms`]);
    console.error(rows[rows.length - 1]!.join(': '));

    // Reads and subscriptions from a freshly started server: everything comes from disk.
    client = EventStoreDBClient.connectionString(server.connectionString);
    const cold = await measured(server, () => readAllPhase(client));
    results.readAll_cold = cold;
    rows.push([
      `read $all from start (${cold.events.toLocaleString('en-US')} events, from disk)`,
      `${rate(cold.eventsPerSecond)} ${cpuNote(cold)}`,
    ]);
    console.error(rows[rows.length - 1]!.join(': '));
    const subscription = await measured(server, () => subscriptionPhase(client));
    results.catchUpSubscription = subscription;
    rows.push([
      `catch-up subscription to $all from start`,
      `${rate(subscription.eventsPerSecond)} ${cpuNote(subscription)}`,
    ]);
    console.error(rows[rows.length - 1]!.join(': '));
    await client.dispose();

    // Start-up after kill -9: the checkpoint plus a replay of what followed it.
    await server.stop('SIGKILL');
    server = await startServer(dir);
    results.startup_ms_after_kill = server.startMs;
    rows.push([`start-up on ${logSize} events (after kill -9)`, `${Math.round(server.startMs)} ms`]);
    await server.stop();
    // Without any index checkpoint: a full scan of the log (what the checkpoint saves).
    rmSync(join(dir, 'index.checkpoint'), { force: true });
    server = await startServer(dir);
    results.startup_ms_full_scan = server.startMs;
    rows.push([`start-up on ${logSize} events (no checkpoint, full scan)`, `${Math.round(server.startMs)} ms`]);
    await server.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  results.loadAverageAfter = loadavg();
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`\nesdb-local benchmark (${results.cpus} × ${results.cpuModel}, Node ${results.node})`);
  console.log('server in a child process on disk, fsync on; client: @eventstore/db-client in this process');
  const load = (values: unknown) => (values as number[]).map((value) => value.toFixed(2)).join(' ');
  console.log(`load average before ${load(results.loadAverageBefore)}, after ${load(results.loadAverageAfter)}\n`);
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `esdb-local-${(results.date as string).replaceAll(':', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
};

await main();
