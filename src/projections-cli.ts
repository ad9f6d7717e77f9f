import 'reflect-metadata';
import { alignColumns } from './aligned-columns.js';
import { type Config, ConfigError, readConfig } from './config.js';
import { connectEventStore, readHeadPosition } from './core/eventstore/client.js';
import { createLogger } from './core/logger.js';
import { type ProcessManagerReport, reportProcessManagers } from './core/process-managers/process-manager-report.js';
import { readActiveVersion } from './core/projections/active-version.js';
import { clearHalt, describeHalt } from './core/projections/halts.js';
import type { Projection } from './core/projections/projection.js';
import { rebuildProjection, resetProjection } from './core/projections/runner/projection-admin.js';
import type { RunnerStatus } from './core/projections/runner/projection-lane.js';
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

const columns = [
  'projection',
  'kind',
  'code',
  'build',
  'checkpoint',
  'head',
  'lag',
  'lag age',
  'writer',
  'parked',
  'on failure',
  'streams',
  'halted',
];

/** The cells a read model and a process manager share: where each stands, who runs it, what it parked. */
const progressCells = (report: Omit<ProcessManagerReport, 'runner'>): string[] => [
  report.checkpoint?.toString() ?? '-',
  report.head?.toString() ?? '-',
  `${report.lagAtLeast ? '>' : ''}${report.lagEvents}`,
  age(report.lagMs),
  report.leaseHolder ?? '(none)',
  String(report.parked),
  `${report.failurePolicy.whenExhausted} after ${report.failurePolicy.maxAttempts}`,
  report.streamCategory === undefined ? 'all' : `${report.streamCategory}-*`,
];

const printReports = (reports: readonly ProjectionReport[], processManagers: readonly ProcessManagerReport[]): void => {
  const rows = [
    columns,
    ...reports.map((report) => [
      report.name,
      'read model',
      `v${report.codeVersion}`,
      report.activeBuild === undefined ? '(none)' : `${report.activeBuild} (v${report.activeCodeVersion})`,
      ...progressCells(report),
      report.halt === undefined ? 'no' : `at ${report.halt.position}`,
    ]),
    // No builds and no halts: a process manager's effects are commands, which no rebuild replays.
    ...processManagers.map((report) => [report.name, 'process manager', '-', '-', ...progressCells(report), 'never']),
  ];
  console.log(alignColumns(rows).join('\n'));
  for (const { name, halt } of reports) {
    if (halt)
      console.log(`${name} ${describeHalt(halt)}\n  fix the cause, then: npm run projections -- resume ${name}`);
  }
};

/** What a rebuild is doing, in words. */
const rebuildProgress = ({ state, checkpoint }: RunnerStatus): string => {
  const at = checkpoint === undefined ? 'from the start' : `at position ${checkpoint}`;
  switch (state) {
    case 'starting':
    case 'stand-by':
    case 'waiting-for-lease':
      return 'waiting to start the new build';
    case 'catching-up':
      return `replaying the log into the new build, ${at}`;
    case 'live':
      return `caught up ${at}; switching readers to it`;
    case 'halted':
    case 'stopped':
      return `the new build ${state} ${at}`;
    default: {
      const never: never = state;
      return never;
    }
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
  // A server that was killed leaves its endpoints behind: fail with their name, not a silent wait.
  const redis = await connectRedis(endpoints.redisUrl, { firstConnectionTimeoutMs: config.startupTimeoutMs });
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
        `reset ${target.name}: readers now use the new, empty build ${build}` +
          (replaced === undefined ? '' : ` (build ${replaced} is deleted)`) +
          '; the running projectors fill it from the start of the log, and until they have caught up it answers with what they have projected so far',
      );
    } else {
      const head = await readHeadPosition(eventStore);
      console.log(
        `rebuilding ${target.name} from the start of the log (up to position ${head ?? 0} now) into a new build; ` +
          'readers keep the current one until the new one has caught up',
      );
      let lastPrinted = 0;
      const { build, replaced } = await rebuildProjection({ eventStore, redis, log }, target, (status) => {
        if (Date.now() - lastPrinted < 2_000) return;
        lastPrinted = Date.now();
        console.log(`  ${rebuildProgress(status)}`);
      });
      console.log(
        `rebuilt ${target.name}: readers now use build ${build}` +
          (replaced === undefined ? '' : `; build ${replaced} is deleted once no read can still be using it`),
      );
    }
  } finally {
    await eventStore.dispose();
    await redis.close();
  }
};

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error), 1));
