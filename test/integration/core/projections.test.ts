import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CommandReceipt } from '../../../src/core/commands/batch-outcomes.js';
import type { IssuedCommand } from '../../../src/core/index.js';
import { activeKeySpace } from '../../../src/core/projections/active-version.js';
import { parsePosition, readCheckpoint } from '../../../src/core/projections/checkpoint.js';
import { checkpointKey, type KeySpace } from '../../../src/core/projections/keys.js';
import type { RedisClient } from '../../../src/core/redis/client.js';
import { useCoreNodes } from '../../support/core-node.js';
import type { LibraryCommand } from '../../support/library/commands.js';
import { libraryModule } from '../../support/library/index.js';
import { shelfKey, shelfProjection } from '../../support/library/projections/shelf.js';
import { catalogueTitle, lendCopy, returnCopy } from '../../support/library-commands.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The projector on the library's two read models, against a real esdb-local and Redis: what it
 * writes, when its checkpoint moves, and what a crash costs. Commands go through a node without
 * the projector role; projectors run on nodes of their own, as separate processes would.
 */

describe('projecting a context into Redis', () => {
  const nodes = useCoreNodes(libraryModule);
  const leaseTtlMs = 500;

  /** Lends `count` copies of a title one after the other, returning every third; loan ids start with `batch`. */
  const circulate = async (
    handle: (command: IssuedCommand<LibraryCommand>) => Promise<CommandReceipt>,
    titleId: string,
    batch: string,
    count: number,
  ): Promise<CommandReceipt[]> => {
    const receipts: CommandReceipt[] = [];
    for (let index = 0; index < count; index++) {
      const loanId = `${batch}-${index}`;
      receipts.push(await handle(lendCopy(titleId, loanId, `member-${index % 3}`)));
      if (index % 3 === 2) receipts.push(await handle(returnCopy(titleId, loanId)));
    }
    return receipts;
  };
  /** What the shelf must say after `lends` lendings with every third returned. */
  const onLoanAfter = (lends: number) => lends - Math.floor(lends / 3);
  const shelfSpace = async (redis: RedisClient): Promise<KeySpace> =>
    waitFor('the shelf to have an active build', () => activeKeySpace(redis, shelfProjection.name));

  it('projects every event into both read models exactly once, catching up on history and then live', async () => {
    const commands = await nodes.start({ projector: false });
    const titleId = randomUUID();
    const library = commands.services;
    await library.handle(catalogueTitle(titleId, 100));
    const history = await circulate(library.handle, titleId, 'history', 30);
    const reader = await nodes.start({ projector: false });
    await nodes.start({ projectorOptions: { leaseTtlMs } });
    await waitFor('the history to be projected', async () => (await reader.services.shelf(titleId))?.timesLent === 30);

    const live = await circulate(library.handle, titleId, 'live', 30);
    const last = live.at(-1)!;
    const shelf = await reader.services.shelf(titleId, last.position);
    expect(shelf).toEqual({
      titleId,
      name: expect.any(String),
      copies: 100,
      onLoan: onLoanAfter(30) * 2,
      timesLent: 60,
      revision: Number(last.streamRevision),
      position: BigInt(last.position),
    });
    // One record per lending and return, in log order, each the event that made it.
    const stored = (await library.titleEvents(titleId)).filter((event) => event.type !== 'TitleCatalogued');
    const records = await reader.services.circulation(titleId, { first: 100, consistentWith: last.position });
    expect(records.reverse().map((record) => [record.eventId, record.kind, record.position])).toEqual(
      stored.map((event) => [event.id, event.type === 'CopyLent' ? 'LENT' : 'RETURNED', event.position]),
    );
    expect([...history, ...live].map((receipt) => BigInt(receipt.position))).toEqual(
      stored.map((event) => event.position),
    );
  });

  it('commits its checkpoint with the batch: a reader never sees the data ahead of the checkpoint or behind it', async () => {
    const commands = await nodes.start({ projector: false });
    const titleId = randomUUID();
    await commands.services.handle(catalogueTitle(titleId, 1_000));
    await nodes.start({ projectorOptions: { leaseTtlMs } });
    const reader = await nodes.start({ projector: false });
    const space = await shelfSpace(reader.redis);

    let done = false;
    const snapshots: { checkpoint: bigint; position: bigint; onLoan: number }[] = [];
    const sampling = (async () => {
      while (!done) {
        // One MULTI: the checkpoint and the data as of one moment.
        const [checkpoint, fields] = (await reader.redis
          .multi()
          .get(checkpointKey(space))
          .hGetAll(space.key(shelfKey(titleId)))
          .exec()) as unknown as [string | null, Record<string, string>];
        if (checkpoint !== null && fields.position !== undefined) {
          snapshots.push({
            checkpoint: parsePosition(checkpoint),
            position: BigInt(fields.position),
            onLoan: Number(fields.onLoan),
          });
        }
      }
    })();
    await Promise.all(
      Array.from({ length: 8 }, (_, writer) =>
        (async () => {
          for (let index = 0; index < 25; index++) {
            await commands.services.handle(lendCopy(titleId, `loan-${writer}-${index}`));
          }
        })(),
      ),
    );
    const stored = await commands.services.titleEvents(titleId);
    await waitFor('the last lending to be projected', async () => {
      const checkpoint = await readCheckpoint(reader.redis, space);
      return checkpoint !== undefined && checkpoint >= stored.at(-1)!.position;
    });
    done = true;
    await sampling;

    const checkpoints = new Set(snapshots.map((snapshot) => snapshot.checkpoint));
    expect(checkpoints.size).toBeGreaterThan(5);
    for (const { checkpoint, position, onLoan } of snapshots) {
      // The title's last event at or before the checkpoint is exactly what the hash shows.
      const applied = stored.filter((event) => event.position <= checkpoint).at(-1)!;
      expect({ position, onLoan }).toEqual({
        position: applied.position,
        onLoan: (applied.data as { onLoanAfter?: number }).onLoanAfter ?? 0,
      });
    }
  });

  it('leaves a successor to apply every event exactly once when it crashes mid-stream', async () => {
    const commands = await nodes.start({ projector: false });
    const titleId = randomUUID();
    const library = commands.services;
    await library.handle(catalogueTitle(titleId, 1_000));
    const crashing = await nodes.start({ projectorOptions: { leaseTtlMs } });
    const space = await shelfSpace(commands.redis);
    const before = await circulate(library.handle, titleId, 'before', 30);
    await waitFor('the projector to be part-way', async () => {
      const checkpoint = await readCheckpoint(commands.redis, space);
      return checkpoint !== undefined && checkpoint >= BigInt(before[10]!.position);
    });
    // The process dies: its connection goes, whatever it was doing, and its lease is no longer renewed.
    crashing.redis.destroy();
    const after = await circulate(library.handle, titleId, 'after', 30);
    const successor = await nodes.start({ projectorOptions: { leaseTtlMs } });
    const last = after.at(-1)!;
    const shelf = await successor.services.shelf(titleId, last.position);
    expect(shelf).toMatchObject({ timesLent: 60, onLoan: onLoanAfter(30) * 2, position: BigInt(last.position) });
    const records = await successor.services.circulation(titleId, { first: 100, consistentWith: last.position });
    expect(new Set(records.map((record) => record.eventId)).size).toBe(records.length);
    expect(records).toHaveLength(60 + 20);
  });
});
