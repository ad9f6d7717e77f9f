// Sends deposits to distinct never-opened account ids through a CommandPipeline against the
// event store given (esdb-local in a process of its own, so the two share the machine's cores),
// and prints one JSON line per checkpoint: commands sent, the pipeline's
// sizes, the most streams queued at once, the refusal codes seen and heapUsed after a full
// collection. Plain JavaScript over dist/ so it runs under `node --expose-gc` without the test
// runner's module loader (whose source-mapped stack traces would dominate the measurement).
// Usage: node --expose-gc never-opened-ids-probe.mjs <connection string> <commands> <concurrency> <checkpoints>
import { randomUUID } from 'node:crypto';
import { CommandPipeline } from '../../dist/core/commands/command-pipeline.js';
import { connectEventStore } from '../../dist/core/eventstore/client.js';
import { accountAggregate } from '../../dist/domains/bank/account-aggregate.js';

const [connectionString, ...counts] = process.argv.slice(2);
const [commands, concurrency, checkpoints] = counts.map(Number);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

const client = connectEventStore(connectionString);
const pipeline = new CommandPipeline(client);
// One request for every command: stamping gives each its own command id, as before.
const request = { requestId: 'never-opened-ids-probe' };
const outcomes = {};
let sent = 0;
let mostQueued = 0;

const depositOnNewId = async () => {
  const accountId = randomUUID();
  let outcome = 'ok';
  try {
    const deposit = { type: 'DepositMoney', data: { accountId, amount: 100 } };
    await pipeline.handle(accountAggregate, deposit, request);
  } catch (error) {
    outcome = error.code ?? error.name;
  }
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  mostQueued = Math.max(mostQueued, pipeline.sizes.queuedStreams);
};

for (let checkpoint = 1; checkpoint <= checkpoints; checkpoint++) {
  const target = Math.round((commands * checkpoint) / checkpoints);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < target) {
        sent++;
        await depositOnNewId();
      }
    }),
  );
  globalThis.gc();
  const { heapUsed } = process.memoryUsage();
  console.log(JSON.stringify({ sent, sizes: pipeline.sizes, mostQueued, outcomes, heapUsed }));
}
await client.dispose();
