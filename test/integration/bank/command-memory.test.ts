import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../../support/esdb-local.js';
import { type EsdbLocalProcess, startEsdbLocalProcess } from '../../support/esdb-local-process.js';

/*
 * An unauthenticated caller can name any account id. Commands on ids that were never opened
 * must not grow what the command path keeps: the fold cache stays at its bound, the per-stream
 * queues hold only streams with work in flight, and the heap, measured after a full collection,
 * stays flat once the cache is full. The commands run in a child `node --expose-gc` over dist/
 * (run `npm run build` first) against esdb-local in a process of its own.
 */

const COMMANDS = 50_000;
const CONCURRENCY = 64;
const CHECKPOINTS = 5;
/** The fold cache's default bound on streams. */
const MAX_CACHED_STREAMS = 10_000;
/** Heap growth allowed from the first checkpoint (the cache just full) to the last. */
const HEAP_TOLERANCE_BYTES = 4 * 1024 * 1024;

const probeScript = new URL('../../support/never-opened-ids-probe.mjs', import.meta.url).pathname;

interface Checkpoint {
  readonly sent: number;
  readonly sizes: { cachedStreams: number; cachedCommands: number; queuedStreams: number };
  readonly mostQueued: number;
  readonly outcomes: Record<string, number>;
  readonly heapUsed: number;
}

const runProbe = (connectionString: string): Promise<Checkpoint[]> =>
  new Promise((resolve, reject) => {
    const args = [
      '--expose-gc',
      probeScript,
      connectionString,
      String(COMMANDS),
      String(CONCURRENCY),
      String(CHECKPOINTS),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`probe exited with ${code}:\n${stderr}`));
      else
        resolve(
          stdout
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Checkpoint),
        );
    });
  });

describe('the command path with never-opened account ids', () => {
  const dir = temporaryDirectory('esgraph-memory-');
  let esdb: EsdbLocalProcess | undefined;
  beforeAll(async () => {
    esdb = await startEsdbLocalProcess(dir);
  });
  afterAll(async () => {
    await esdb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`keeps the fold cache, the stream queues and the heap flat over ${COMMANDS} distinct ids`, {
    timeout: 90_000,
  }, async () => {
    const checkpoints = await runProbe(esdb!.connectionString);
    expect(checkpoints).toHaveLength(CHECKPOINTS);
    const last = checkpoints.at(-1)!;
    expect(last.outcomes).toEqual({ ACCOUNT_NOT_FOUND: COMMANDS });
    // At most one queue per command in flight, and none left once they have all been answered.
    expect(last.mostQueued).toBeLessThanOrEqual(CONCURRENCY);
    for (const { sizes } of checkpoints) {
      expect(sizes).toEqual({ cachedStreams: MAX_CACHED_STREAMS, cachedCommands: 0, queuedStreams: 0 });
    }
    expect(last.heapUsed - checkpoints[0]!.heapUsed).toBeLessThan(HEAP_TOLERANCE_BYTES);
  });
});
