import { describe, expect, it } from 'vitest';
import { reportProcessManagers } from '../../../src/core/process-managers/process-manager-report.js';
import { failurePolicy } from '../../../src/core/projections/failure-policy.js';
import { processManagerId } from '../../../src/core/projections/keys.js';
import { listParked } from '../../../src/core/projections/parking.js';
import { useCoreNodes } from '../../support/core-node.js';
import { holdDesk } from '../../support/library/hold-desk.js';
import { libraryModule } from '../../support/library/index.js';
import { cataloguedTitle, checkpointReaches, placeHold, settledHold } from '../../support/library-holds.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * An event whose reaction keeps failing is parked as projections park theirs, and the process
 * manager goes on; operators see its checkpoint, lag and parked count in the report.
 */

describe('a process manager that cannot react to an event', () => {
  const nodes = useCoreNodes(libraryModule);
  const desk = holdDesk({ failurePolicy: failurePolicy({ maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 }) });

  it('parks the event after its failure policy’s attempts and goes on with the next', async () => {
    const node = await nodes.start({
      projector: false,
      processManagers: [desk],
      processManagerOptions: { leaseTtlMs: 600 },
    });
    const titleId = await cataloguedTitle(node, 5);
    // A loan naming a hold nobody placed: the desk's FulfilHold is refused, and has no failure path.
    const stray = await node.services.handle({
      type: 'LendCopy',
      data: { titleId, loanId: 'stray-loan', memberId: 'member-1', holdId: 'never-placed' },
    });
    const { holdId } = await placeHold(node, titleId);
    const hold = await settledHold(node, holdId);
    expect(hold.map((event) => event.type)).toEqual(['HoldPlaced', 'HoldFulfilled']);
    await checkpointReaches(node.redis, desk.name, hold[1]!.position);

    const parked = await listParked(node.redis, processManagerId(desk.name));
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ type: 'CopyLent', position: BigInt(stray.position), attempts: 3 });
    expect(parked[0]!.error).toMatch(/hold never-placed is none/);

    const [report] = await reportProcessManagers(node.redis, node.eventStore, [desk], node.processManagers?.statuses());
    expect(report).toMatchObject({ name: desk.name, parked: 1, lagEvents: 0, lagAtLeast: false });
    expect(report?.checkpoint).toBeGreaterThanOrEqual(hold[1]!.position);
    expect(report?.runner).toMatchObject({ state: 'live', parked: 1 });
    await waitFor('no event pending', () => node.processManagers?.statuses()[0]?.pendingEvents === 0);
  });
});
