import { parseArgs } from 'node:util';
import { startEsdbLocal } from './start.js';

/*
 * `npm run esdb-local -- --port 2113 --db ./.data/esdb` (or `--mem`): esdb-local on its own,
 * for tools and for development against a real EventStoreDB client. Prints one line with the
 * connection string once it accepts connections; SIGINT or SIGTERM stops it cleanly.
 */

const usage = 'usage: esdb-local [--host 127.0.0.1] [--port 2113] (--db <dir> | --mem)';

const fail = (message: string): never => {
  console.error(`esdb-local: ${message}\n${usage}`);
  process.exit(2);
};

const parse = () => {
  try {
    return parseArgs({
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '2113' },
        db: { type: 'string' },
        mem: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
};

const args = parse();
if (args.help) {
  console.log(usage);
  process.exit(0);
}
if (!/^\d+$/.test(args.port) || Number(args.port) > 65535) fail(`--port must be 0-65535, got "${args.port}"`);
if (args.mem === (args.db !== undefined)) fail('give exactly one of --db <dir> and --mem');

const storage = args.mem ? { mem: true as const } : { dir: args.db! };
const esdb = await startEsdbLocal({
  ...storage,
  host: args.host,
  port: Number(args.port),
  onNotice: (message) => console.error(`esdb-local: ${message}`),
}).catch((error: unknown) => fail(`could not start: ${(error as Error).message}`));

console.log(`esdb-local listening: ${esdb.connectionString}`);
let stopping = false;
const stop = (): void => {
  if (stopping) process.exit(130);
  stopping = true;
  esdb.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`esdb-local: failed to stop cleanly: ${(error as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
