import { afterEach, describe, expect, it } from 'vitest';
import { stampCommandMetadata } from '../../../src/core/commands/command-metadata.js';
import type { CommandMiddleware } from '../../../src/core/commands/command-middleware.js';
import { stepCommandId } from '../../../src/core/process-managers/reaction.js';
import { checkpointKey, leaseKey, processManagerId } from '../../../src/core/projections/keys.js';
import type { CoreNode, CoreNodeOptions } from '../../support/core-node.js';
import { useCoreNodes } from '../../support/core-node.js';
import { holdDesk } from '../../support/library/hold-desk.js';
import { libraryModule } from '../../support/library/index.js';
import type { LibraryServices } from '../../support/library/library-services.js';
import { lendCopy } from '../../support/library-commands.js';
import {
  cataloguedTitle,
  checkpointReaches,
  loansFor,
  placeHold,
  receiptRecorder,
  settledHold,
  storedCheckpoint,
  unavailableFor,
} from '../../support/library-holds.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The process-manager machinery on the library's hold desk (a placed hold → lend a copy → the
 * hold is fulfilled; a loan refused for good → the hold is cancelled), against a real
 * esdb-local and Redis. Every test of the file runs the one desk, `hold-desk`, as a deployment
 * would: each node it starts resumes from the checkpoint the one before it left.
 */

const desk = 'hold-desk';
const bookkeeping = processManagerId(desk);

describe('a process manager', () => {
  const nodes = useCoreNodes(libraryModule);
  const started: CoreNode<LibraryServices>[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((node) => node.stop()));
  });

  /** A node running the desk, its pipeline with `middleware` after stamping. */
  const startDesk = async (middleware: readonly CommandMiddleware[] = [], options: CoreNodeOptions = {}) => {
    const node = await nodes.start({
      projector: false,
      pipeline: { middleware: [stampCommandMetadata, ...middleware] },
      processManagers: [holdDesk()],
      processManagerOptions: { leaseTtlMs: 600, retry: { initialMs: 5, maxMs: 50, jitter: 'full' } },
      ...options,
    });
    started.push(node);
    return node;
  };

  /** A Redis connection of a node that runs nothing: what an operator's redis-cli would be. */
  const operatorRedis = async () => {
    const operator = await nodes.start({ projector: false });
    started.push(operator);
    return operator.redis;
  };

  it('reacts to an event with commands, each under an id derived from its cause, sent as its own user', async () => {
    const node = await startDesk();
    const titleId = await cataloguedTitle(node, 2);
    const { holdId } = await placeHold(node, titleId, 'member-7');
    const hold = await settledHold(node, holdId);
    expect(hold.map((event) => event.type)).toEqual(['HoldPlaced', 'HoldFulfilled']);
    const [lent] = await loansFor(node, titleId, holdId);
    expect(lent?.data).toMatchObject({ titleId, loanId: holdId, memberId: 'member-7', holdId });
    // The loan's command id comes from the hold's event, the fulfilment's from the loan's.
    expect(lent?.metadata).toMatchObject({
      commandId: stepCommandId(hold[0]!, desk, '0'),
      userId: `process-manager:${desk}`,
      // The whole process shares the request that placed the hold.
      correlationId: hold[0]!.metadata.correlationId,
    });
    expect(hold[1]!.metadata).toMatchObject({ commandId: stepCommandId(lent!, desk, '0') });
    expect(hold[1]!.data).toMatchObject({ holdId, loanId: holdId });
    await checkpointReaches(node.redis, desk, hold[1]!.position);
  });

  it('takes the failure path when a command is refused for good', async () => {
    const node = await startDesk();
    const titleId = await cataloguedTitle(node, 1);
    await node.services.handle(lendCopy(titleId, 'loan-at-the-desk'));
    const { holdId } = await placeHold(node, titleId);
    const hold = await settledHold(node, holdId);
    expect(hold.map((event) => event.type)).toEqual(['HoldPlaced', 'HoldCancelled']);
    expect(hold[1]!.data).toMatchObject({ holdId, reason: 'NO_COPY_AVAILABLE' });
    expect(hold[1]!.metadata.commandId).toBe(stepCommandId(hold[0]!, desk, '0!0'));
    expect(await loansFor(node, titleId, holdId)).toEqual([]);
  });

  it('sends a command refused for a reason that passes again, with backoff, until it is acknowledged', async () => {
    const away = unavailableFor('LendCopy', 3);
    const node = await startDesk([away.middleware]);
    const titleId = await cataloguedTitle(node, 1);
    const { holdId } = await placeHold(node, titleId);
    const hold = await settledHold(node, holdId);
    expect(hold.map((event) => event.type)).toEqual(['HoldPlaced', 'HoldFulfilled']);
    expect(away.refusals.get(stepCommandId(hold[0]!, desk, '0'))).toBe(3);
    expect(await loansFor(node, titleId, holdId)).toHaveLength(1);
    expect(node.processManagers?.statuses()[0]?.resent).toBeGreaterThanOrEqual(3);
  });

  it('stops at once while it waits to send a command again, and the next node resumes the process', async () => {
    const away = unavailableFor('LendCopy', Number.POSITIVE_INFINITY);
    const waiting = await startDesk([away.middleware], {
      processManagerOptions: { leaseTtlMs: 600, retry: { initialMs: 60_000, maxMs: 60_000, jitter: 'none' } },
    });
    const titleId = await cataloguedTitle(waiting, 1);
    const { holdId, position } = await placeHold(waiting, titleId);
    await waitFor('the first refusal', () => away.refusals.size === 1);
    const stopping = Date.now();
    await waiting.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    // It never acknowledged the loan, so the hold is still ahead of the checkpoint.
    const left = await storedCheckpoint(await operatorRedis(), desk);
    expect(left === undefined || left < position).toBe(true);

    const resumed = await startDesk();
    const hold = await settledHold(resumed, holdId);
    expect(hold.map((event) => event.type)).toEqual(['HoldPlaced', 'HoldFulfilled']);
  });

  it('reacts to events of different streams side by side, its checkpoint kept before one still under way', async () => {
    // The loan for the first title waits at a gate until the test opens it.
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let gated = 0;
    const gatedTitle = { id: '' };
    const gatekeeper: CommandMiddleware = {
      name: 'gate-for-one-title',
      before: async (command) => {
        if (command.type !== 'LendCopy' || (command.data as { titleId?: string }).titleId !== gatedTitle.id) return;
        gated++;
        await gate;
        return undefined;
      },
    };
    const node = await startDesk([gatekeeper]);
    gatedTitle.id = await cataloguedTitle(node, 1);
    const otherTitle = await cataloguedTitle(node, 1);
    const waiting = await placeHold(node, gatedTitle.id);
    try {
      await waitFor('the first loan at the gate', () => gated === 1);
      const other = await placeHold(node, otherTitle);
      // The later hold is fulfilled while the earlier one's loan waits ...
      const fulfilled = await settledHold(node, other.holdId);
      expect(fulfilled.map((event) => event.type)).toEqual(['HoldPlaced', 'HoldFulfilled']);
      // ... and the checkpoint stays before the earlier hold: a crash now would replay it.
      const meanwhile = await storedCheckpoint(node.redis, desk);
      expect(meanwhile === undefined || meanwhile < waiting.position).toBe(true);
    } finally {
      open();
    }
    const hold = await settledHold(node, waiting.holdId);
    expect(hold.map((event) => event.type)).toEqual(['HoldPlaced', 'HoldFulfilled']);
    await checkpointReaches(node.redis, desk, hold[1]!.position);
    expect(await loansFor(node, gatedTitle.id, waiting.holdId)).toHaveLength(1);
  });

  it('has each effect once when the same events are handed to it again', async () => {
    const first = await startDesk();
    const titleId = await cataloguedTitle(first, 5);
    const { holdId } = await placeHold(first, titleId);
    const hold = await settledHold(first, holdId);
    await checkpointReaches(first.redis, desk, hold[1]!.position);
    await first.stop();
    // As if Redis lost the checkpoint: the next node is handed the whole log again.
    await (await operatorRedis()).del(checkpointKey(bookkeeping));
    const receipts = receiptRecorder();
    const second = await startDesk([receipts.middleware]);
    await checkpointReaches(second.redis, desk, hold[1]!.position);
    expect(receipts.seen).toContainEqual({
      type: 'LendCopy',
      commandId: stepCommandId(hold[0]!, desk, '0'),
      repeated: true,
    });
    expect(receipts.seen.every((receipt) => receipt.repeated)).toBe(true);
    expect((await second.services.holdEvents(holdId)).map((event) => event.type)).toEqual([
      'HoldPlaced',
      'HoldFulfilled',
    ]);
    expect(await loansFor(second, titleId, holdId)).toHaveLength(1);
  });

  it('has each effect once when its node is cut off between a command and its checkpoint', async () => {
    // Right as the loan is acknowledged, another holder takes the lease (on the node's own
    // connection, so Redis sees it before the checkpoint): the node dies there, as far as the
    // checkpoint knows.
    let cutOff = (): void => undefined;
    const cutter: CommandMiddleware = {
      name: 'cut-off-after-the-loan',
      after: (command, settled) => {
        if (command.type === 'LendCopy' && settled.ok && command.request.userId?.startsWith('process-manager:'))
          cutOff();
      },
    };
    const doomed = await startDesk([cutter]);
    cutOff = () => {
      cutOff = () => undefined;
      void doomed.redis.set(leaseKey(bookkeeping), 'another-node', { expiration: { type: 'PX', value: 60_000 } });
    };
    const titleId = await cataloguedTitle(doomed, 5);
    const { holdId, position } = await placeHold(doomed, titleId);
    await waitFor('the loan', async () => (await loansFor(doomed, titleId, holdId)).length === 1);
    await waitFor('the cut-off node to stand by', () => doomed.processManagers?.statuses()[0]?.state === 'stand-by');
    // Fenced off: the checkpoint never moved past the hold it lent for.
    const fenced = await storedCheckpoint(doomed.redis, desk);
    expect(fenced === undefined || fenced < position).toBe(true);
    await doomed.stop();
    await (await operatorRedis()).del(leaseKey(bookkeeping));

    const receipts = receiptRecorder();
    const successor = await startDesk([receipts.middleware]);
    const hold = await settledHold(successor, holdId);
    expect(hold.map((event) => event.type)).toEqual(['HoldPlaced', 'HoldFulfilled']);
    // The cut-off node may have fulfilled the hold before it noticed (a command its successor
    // sends too): the successor's replay is what this waits for.
    await checkpointReaches(successor.redis, desk, hold[1]!.position);
    expect(receipts.seen).toContainEqual({
      type: 'LendCopy',
      commandId: stepCommandId(hold[0]!, desk, '0'),
      repeated: true,
    });
    expect(await loansFor(successor, titleId, holdId)).toHaveLength(1);
  });
});
