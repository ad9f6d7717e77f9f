import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConsistencyTimeoutError, ValidationError } from '../../../src/core/errors.js';
import { useCoreNodes } from '../../support/core-node.js';
import { libraryModule } from '../../support/library/index.js';
import { catalogueTitle, lendCopy, returnCopy } from '../../support/library-commands.js';

/*
 * `consistentWith` on the library: a read that names a command's position waits until the read
 * models it reads have applied it, and not longer than its bound. Commands and projection run on
 * one node, reads on another with its own connections, so every wait is woken across processes.
 * Each test stops the nodes it started, so the last one can run with no projector at all.
 */

describe('reading your own writes with consistentWith', () => {
  const nodes = useCoreNodes(libraryModule);

  it('shows each of 100 commands to the read sent right after it with its position, on another node', async () => {
    const writer = await nodes.start();
    const reader = await nodes.start({ projector: false });
    try {
      const titleId = randomUUID();
      await writer.services.handle(catalogueTitle(titleId, 100));
      for (let index = 1; index <= 100; index++) {
        const { position, streamRevision } = await writer.services.handle(lendCopy(titleId, `loan-${index}`));
        // Alternating read models, so each is checked against every write.
        if (index % 2 === 0) {
          expect(await reader.services.shelf(titleId, position)).toMatchObject({
            onLoan: index,
            revision: Number(streamRevision),
            position: BigInt(position),
          });
        } else {
          const [newest] = await reader.services.circulation(titleId, { first: 1, consistentWith: position });
          expect(newest).toMatchObject({ loanId: `loan-${index}`, position: BigInt(position) });
        }
      }
    } finally {
      await Promise.all([writer.stop(), reader.stop()]);
    }
  });

  it('sees a command from a read model that writes nothing for its events', async () => {
    const writer = await nodes.start();
    try {
      const titleId = randomUUID();
      const { position } = await writer.services.handle(catalogueTitle(titleId, 1));
      expect(await writer.services.circulation(titleId, { consistentWith: position })).toEqual([]);
    } finally {
      await writer.stop();
    }
  });

  it('refuses a consistentWith that is not a position token with ValidationError', async () => {
    const reader = await nodes.start({ projector: false });
    try {
      await expect(reader.services.shelf(randomUUID(), 'yesterday')).rejects.toBeInstanceOf(ValidationError);
    } finally {
      await reader.stop();
    }
  });

  it('gives up with ConsistencyTimeoutError within its bound while no projector has applied the position, and answers once one has', async () => {
    const writer = await nodes.start({ projector: false });
    const reader = await nodes.start({ projector: false, consistencyTimeoutMs: 300 });
    const titleId = randomUUID();
    await writer.services.handle(catalogueTitle(titleId, 2));
    await writer.services.handle(lendCopy(titleId, 'loan-1'));
    const { position } = await writer.services.handle(returnCopy(titleId, 'loan-1'));

    const started = performance.now();
    await expect(reader.services.shelf(titleId, position)).rejects.toBeInstanceOf(ConsistencyTimeoutError);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1_500);

    await nodes.start();
    const shelf = await waitForAnswer(() => reader.services.shelf(titleId, position));
    expect(shelf).toMatchObject({ onLoan: 0, timesLent: 1, position: BigInt(position) });
  });
});

/** The first answer a read gives that is not a consistency timeout (the projector is catching up meanwhile). */
const waitForAnswer = async <T>(read: () => Promise<T>): Promise<T> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof ConsistencyTimeoutError) || attempt === 20) throw error;
    }
  }
};
