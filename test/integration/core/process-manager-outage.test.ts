import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stampCommandMetadata } from '../../../src/core/commands/command-metadata.js';
import type { CommandMiddleware } from '../../../src/core/commands/command-middleware.js';
import { processManagerId } from '../../../src/core/projections/keys.js';
import { countParked } from '../../../src/core/projections/parking.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../../src/core/redis/embedded-redis.js';
import { type EsdbLocal, startEsdbLocal } from '../../../src/esdb-local/index.js';
import { type CoreNode, startCoreNode } from '../../support/core-node.js';
import { temporaryDirectory } from '../../support/esdb-local.js';
import { holdDesk } from '../../support/library/hold-desk.js';
import { libraryModule } from '../../support/library/index.js';
import type { LibraryServices } from '../../support/library/library-services.js';
import { cataloguedTitle, loansFor, placeHold, settledHold } from '../../support/library-holds.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The event store goes away right as the hold desk sends a command, and comes back on its port
 * and data: the desk sends the command again with backoff until the store answers, and the
 * process completes once, with no one's help.
 */

describe('a process manager whose event store goes away', () => {
  const dir = temporaryDirectory();
  let esdb: EsdbLocal;
  let redis: EmbeddedRedis;
  let node: CoreNode<LibraryServices> | undefined;

  beforeAll(async () => {
    [esdb, redis] = await Promise.all([startEsdbLocal({ dir }), startEmbeddedRedis()]);
  });
  afterAll(async () => {
    await node?.stop();
    await Promise.all([esdb?.stop(), redis?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends its command again until the store is back, and the process completes once', async () => {
    let outage: Promise<void> | undefined;
    // The first loan the desk sends takes the store down before it reaches it.
    const storeGoesAway: CommandMiddleware = {
      name: 'store-goes-away',
      before: async (command) => {
        if (command.type !== 'LendCopy' || !command.request.userId?.startsWith('process-manager:')) return undefined;
        outage ??= esdb.stop();
        await outage;
        return undefined;
      },
    };
    node = await startCoreNode(
      libraryModule,
      { redisUrl: redis.url, eventStoreConnectionString: esdb.connectionString },
      {
        projector: false,
        pipeline: { middleware: [stampCommandMetadata, storeGoesAway] },
        processManagers: [holdDesk()],
        processManagerOptions: { leaseTtlMs: 600, retry: { initialMs: 20, maxMs: 200, jitter: 'full' } },
      },
    );
    const desk = node;
    const titleId = await cataloguedTitle(desk, 2);
    const { holdId } = await placeHold(desk, titleId);
    await waitFor(
      'the desk to be refused by the absent store',
      () => (desk.processManagers?.statuses()[0]?.resent ?? 0) >= 2,
    );

    esdb = await startEsdbLocal({ dir, port: esdb.port });
    const hold = await settledHold(desk, holdId, 30_000);
    expect(hold.map((event) => event.type)).toEqual(['HoldPlaced', 'HoldFulfilled']);
    expect(await loansFor(desk, titleId, holdId)).toHaveLength(1);
    // An outage is no fault of the event's: nothing was parked for it.
    expect(await countParked(desk.redis, processManagerId('hold-desk'))).toBe(0);
  });
});
