import 'reflect-metadata';
import { type Config, ConfigError, readConfig } from './config.js';
import { connectEventStore } from './core/eventstore/client.js';
import { createLogger } from './core/logger.js';
import { type ProcessManagerReport, reportProcessManagers } from './core/process-managers/process-manager-report.js';
import { readActiveVersion } from './core/projections/active-version.js';
import { clearHalt, describeHalt } from './core/projections/halts.js';
import type { Projection } from './core/projections/projection.js';
import { rebuildProjection, resetProjection } from './core/projections/runner/projection-admin.js';
import { type ProjectionReport, reportProjections } from './core/projections/runner/projection-report.js';
import { connectRedis } from './core/redis/client.js';
import { domainProcessManagers, domainProjections } from './domains/index.js';
import { readEndpoints } from './embedded-endpoints.js';

/*
 * npm run projections -- status | rebuild <name> | reset <name> | resume <name>
 *
 * Against the dependencies in the environment (REDIS_URL, EVENTSTORE_CONNECTION_STRING), or,
 * when those are unset, against the ones of the esgraph running embedded on DATA_DIR.
 */

const usage = 'usage: npm run projections -- status | rebuild <name> | reset <name> | resume <name>';
const commands = ['status', 'rebuild', 'reset', 'resume'] as const;
const isCommand = (word: string | undefined): word is (typeof commands)[number] =>
  (commands as readonly (string | undefined)[]).includes(word);

const fail = (message: string, code = 2): never => {
  console.error(`projections: ${message}`);
  process.exit(code);
};

const endpointsOf = (config: Config) => {
  if (config.redisUrl !== undefined && config.eventStoreConnectionString !== undefined) {
    return { redisUrl: config.redisUrl, eventStoreConnectionString: config.eventStoreConnectionString };
  }
  const recorded = readEndpoints(config.dataDir);
  if (!recorded) {
    return fail(
      `no esgraph is running on DATA_DIR ${config.dataDir}: start it (npm start) or set REDIS_URL and EVENTSTORE_CONNECTION_STRING`,
    );
  }
  return {
    redisUrl: config.redisUrl ?? recorded.redisUrl,
    eventStoreConnectionString: config.eventStoreConnectionString ?? recorded.eventStoreConnectionString,
  };
};

const age = (ms: number): string =>
  ms < 1_000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;

/** The columns a read model and a process manager share: where each stands, who runs it, what it parked. */
const progressColumns = (report: Omit<ProcessManagerReport, 'runner'>) => ({
  checkpoint: report.checkpoint?.toString() ?? '-',
  head: report.head?.toString() ?? '-',
  'lag (events)': `${report.lagAtLeast ? '>' : ''}${report.lagEvents}`,
  'lag (age)': age(report.lagMs),
  writer: report.leaseHolder ?? '(none)',
  parked: report.parked,
  'on failure': `${report.failurePolicy.whenExhausted} after ${report.failurePolicy.maxAttempts}`,
  streams: report.streamCategory === undefined ? 'all' : `${report.streamCategory}-*`,
});

const printReports = (reports: readonly ProjectionReport[], processManagers: readonly ProcessManagerReport[]): void => {
  console.table([
    ...reports.map((report) => ({
      projection: report.name,
      kind: 'read model',
      'code version': report.codeVersion,
      'active build':
        report.activeBuild === undefined ? '(none)' : `${report.activeBuild} (v${report.activeCodeVersion})`,
      ...progressColumns(report),
      halted: report.halt === undefined ? 'no' : `at ${report.halt.position}`,
    })),
    // No builds and no halts: a process manager's effects are commands, which no rebuild replays.
    ...processManagers.map((report) => ({
      projection: report.name,
      kind: 'process manager',
      'code version': '-',
      'active build': '-',
      ...progressColumns(report),
      halted: 'never',
    })),
  ]);
  for (const { name, halt } of reports) {
    if (halt)
      console.log(`${name} ${describeHalt(halt)}\n  fix the cause, then: npm run projections -- resume ${name}`);
  }
};

const projectionNamed = (projections: readonly Projection[], name: string | undefined): Projection => {
  const found = projections.find((projection) => projection.name === name);
  if (found) return found;
  return fail(
    `${name === undefined ? 'name a projection' : `no projection is named "${name}"`}; projections: ${projections.map((p) => p.name).join(', ')}\n${usage}`,
  );
};

const main = async (): Promise<void> => {
  let config: Config;
  try {
    config = readConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) return fail(`configuration error: ${error.message}`);
    throw error;
  }
  const [command, name] = process.argv.slice(2);
  if (!isCommand(command)) return fail(usage);
  const projections = domainProjections();
  const target = command === 'status' ? undefined : projectionNamed(projections, name);
  const endpoints = endpointsOf(config);
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const redis = await connectRedis(endpoints.redisUrl);
  const eventStore = connectEventStore(endpoints.eventStoreConnectionString);
  try {
    if (target === undefined) {
      printReports(
        await reportProjections(redis, eventStore, projections),
        await reportProcessManagers(redis, eventStore, domainProcessManagers()),
      );
    } else if (command === 'resume') {
      // The lanes poll the halt record: once it is gone they take the lease and retry the event.
      const active = await readActiveVersion(redis, target.name);
      const resumed = active !== undefined && (await clearHalt(redis, { name: target.name, version: active }));
      console.log(
        resumed
          ? `resumed ${target.name}: its projectors try the event it halted at again, from its checkpoint`
          : `${target.name} is not halted`,
      );
    } else if (command === 'reset') {
      const { build, replaced } = await resetProjection(redis, target);
      console.log(
        `reset ${target.name}: readers now use the empty build ${build} (was ${replaced ?? 'none'}); the projectors rebuild it from the start of the log`,
      );
    } else {
      console.log(
        `rebuilding ${target.name} from the start of the log; the current build keeps serving until the new one has caught up`,
      );
      let lastPrinted = 0;
      const { build, replaced } = await rebuildProjection({ eventStore, redis, log }, target, (status) => {
        if (Date.now() - lastPrinted < 2_000) return;
        lastPrinted = Date.now();
        const { state, checkpoint } = status;
        console.log(`  ${state}, at ${checkpoint ?? 'the start'}`);
      });
      console.log(`rebuilt ${target.name}: readers switched to build ${build} (from ${replaced ?? 'none'})`);
    }
  } finally {
    await eventStore.dispose();
    await redis.close();
  }
};

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error), 1));
