import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { startEsdbLocal } from '../src/esdb-local/start.js';

/*
 * What embedded mode's credentials and TLS cost an append, side by side with plain gRPC: one
 * in-memory esdb-local each, the same writers, rounds interleaved so drift on the shared cores
 * falls on both. Client and server share this process, as in embedded mode.
 */

const WRITERS = 64;
const APPENDS_PER_ROUND = 6_400;
const ROUNDS = 9;

const appendsPerSecond = async (client: EventStoreDBClient): Promise<number> => {
  let left = APPENDS_PER_ROUND;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      while (left-- > 0) {
        await client.appendToStream(`bench-${writer}-${left % 16}`, jsonEvent({ type: 'Deposited', data: { left } }));
      }
    }),
  );
  return APPENDS_PER_ROUND / (Number(process.hrtime.bigint() - started) / 1e9);
};

const dir = mkdtempSync(join(tmpdir(), 'esdb-local-tls-'));
const plain = await startEsdbLocal({ mem: true });
const secured = await startEsdbLocal({
  mem: true,
  access: { credentials: { username: 'esgraph', password: 'bench' }, certificateFile: join(dir, 'esdb-local.pem') },
});
const clients = { plain: plain.connectionString, 'credentials+TLS': secured.connectionString };
const connected = Object.entries(clients).map(([name, cs]) => [name, EventStoreDBClient.connectionString(cs)] as const);
try {
  for (const [, client] of connected) await appendsPerSecond(client); // warm-up
  const results = new Map<string, number[]>(connected.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, client] of connected) results.get(name)?.push(await appendsPerSecond(client));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const plainRounds = results.get('plain') ?? [];
  const ratios = (results.get('credentials+TLS') ?? []).map((value, round) => value / (plainRounds[round] ?? 1));
  console.log(
    `credentials+TLS / plain, per round: median ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  );
  for (const [name, values] of results) {
    console.log(
      `${name}: median ${median(values).toFixed(0)} appends/s (${values.map((v) => v.toFixed(0)).join(', ')})`,
    );
  }
} finally {
  await Promise.all(connected.map(([, client]) => client.dispose()));
  await Promise.all([plain.stop(), secured.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
