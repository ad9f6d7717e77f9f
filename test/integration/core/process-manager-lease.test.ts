import { describe, expect, it } from 'vitest';
import { reportProcessManagers } from '../../../src/core/process-managers/process-manager-report.js';
import { useCoreNodes } from '../../support/core-node.js';
import { holdDesk } from '../../support/library/hold-desk.js';
import { libraryModule } from '../../support/library/index.js';
import { cataloguedTitle, loansFor, placeHold, settledHold } from '../../support/library-holds.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * Two nodes run the hold desk: its lease lets one lead while the other stands by, and the
 * standby takes over once the leader is gone, from the leader's checkpoint.
 */

describe('a process manager on two nodes', () => {
  const nodes = useCoreNodes(libraryModule);
  const desk = holdDesk();
  const startDesk = (owner: string) =>
    nodes.start({ projector: false, processManagers: [desk], processManagerOptions: { leaseTtlMs: 600, owner } });
  const stateOf = (node: Awaited<ReturnType<typeof startDesk>>) => node.processManagers?.statuses()[0]?.state;

  it('runs on one node while the other stands by, and the standby takes over when the leader stops', async () => {
    const [a, b] = await Promise.all([startDesk('node-a'), startDesk('node-b')]);
    const leader = await waitFor('a leader', () => (stateOf(a) === 'live' ? a : stateOf(b) === 'live' ? b : undefined));
    const standby = leader === a ? b : a;
    await waitFor('the other node to stand by', () => stateOf(standby) === 'stand-by');
    const [report] = await reportProcessManagers(leader.redis, leader.eventStore, [desk]);
    expect(report?.leaseHolder).toMatch(leader === a ? /^node-a:/ : /^node-b:/);

    const titleId = await cataloguedTitle(leader, 5);
    const before = await placeHold(leader, titleId);
    await settledHold(leader, before.holdId);
    // The standby never sent anything while it stood by.
    expect(stateOf(standby)).toBe('stand-by');

    await leader.stop();
    await waitFor('the standby to take over', () => stateOf(standby) === 'live');
    const after = await placeHold(standby, titleId);
    const hold = await settledHold(standby, after.holdId);
    expect(hold.map((event) => event.type)).toEqual(['HoldPlaced', 'HoldFulfilled']);
    expect(await loansFor(standby, titleId, before.holdId)).toHaveLength(1);
    expect(await loansFor(standby, titleId, after.holdId)).toHaveLength(1);
    const [taken] = await reportProcessManagers(standby.redis, standby.eventStore, [desk]);
    expect(taken?.leaseHolder).toMatch(standby === a ? /^node-a:/ : /^node-b:/);
  });
});
