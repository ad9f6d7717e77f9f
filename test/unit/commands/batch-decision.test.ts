import { describe, expect, it } from 'vitest';
import type { Aggregate } from '../../../src/core/commands/aggregate.js';
import type { FoldedStream } from '../../../src/core/commands/aggregate-cache.js';
import { decideBatch } from '../../../src/core/commands/batch-decision.js';
import { commandEventId } from '../../../src/core/commands/event-ids.js';
import type { DomainCommand, DomainEvent } from '../../../src/core/decider.js';
import { DomainError } from '../../../src/core/errors.js';

/*
 * A counter that can be added to but never go below zero, and whose "touch" changes nothing:
 * enough to see how a batch of commands is decided in order on the state each leaves.
 */

type Add = DomainCommand<'Add', { by: number }>;
type Touch = DomainCommand<'Touch', object>;
type Added = DomainEvent<'Added', { by: number }>;

const counter: Aggregate<Add | Touch, Added, number> = {
  decider: {
    initialState: 0,
    decide: (command, total) => {
      if (command.type === 'Touch') return [];
      if (total + command.data.by < 0) throw new DomainError('BELOW_ZERO', 'the total cannot go below zero');
      return [{ type: 'Added', data: { by: command.data.by } }];
    },
    evolve: (total, event) => total + event.data.by,
  },
  streamName: () => 'counter-1',
  decode: () => undefined,
  schemaVersion: 1,
};

const metadata = (commandId: string, fromClient = false) => ({
  commandId,
  commandIdFromClient: fromClient,
  correlationId: 'request-1',
  causationId: commandId,
  now: '2024-01-01T00:00:00.000Z',
});

const add = (by: number, commandId = `add-${by}-${Math.random()}`, fromClient = false): Add => ({
  type: 'Add',
  data: { by },
  metadata: metadata(commandId, fromClient),
});

const folded = (total: number, ids: readonly string[] = []): FoldedStream<unknown> => ({
  state: total,
  revision: BigInt(ids.length - 1),
  lastPosition: ids.length > 0 ? 500n : undefined,
  placements: new Map(ids.map((id, index) => [id, { revision: BigInt(index), position: BigInt(100 * (index + 1)) }])),
  upToDate: true,
});

describe('deciding a batch of commands for one stream', () => {
  it('decides each on the state the ones before it leave, refusing one without the others', () => {
    const decision = decideBatch(counter, folded(10), [add(5), add(-20), add(-15), add(1)]);
    expect(decision.events.map(({ event }) => event.data)).toEqual([{ by: 5 }, { by: -15 }, { by: 1 }]);
    expect(decision.outcomes.map((outcome) => outcome.kind)).toEqual(['appended', 'refused', 'appended', 'appended']);
    expect(decision.outcomes[1]).toMatchObject({ error: expect.any(DomainError) });
    expect(decision.outcomes[2]).toEqual({ kind: 'appended', lastEvent: 1 });
    expect(decision.state).toBe(1);
    expect(decision.appendingCommands).toBe(3);
  });

  it('gives each event an id derived from its command and the command’s metadata', () => {
    const decision = decideBatch(counter, folded(0), [add(1, 'cmd-a')]);
    expect(decision.events[0]).toMatchObject({
      id: commandEventId('cmd-a', 0),
      metadata: { commandId: 'cmd-a', correlationId: 'request-1', causationId: 'cmd-a', schemaVersion: 1 },
    });
  });

  it('answers a client command already in the stream with its first outcome', () => {
    const earlier = commandEventId('retry-me', 0);
    const decision = decideBatch(counter, folded(3, ['x', earlier]), [add(3, 'retry-me', true)]);
    expect(decision.events).toEqual([]);
    expect(decision.outcomes).toEqual([
      { kind: 'repeated', result: { streamRevision: 1n, position: '200', repeated: true } },
    ]);
  });

  it('writes two copies of one client command in the same batch once, both sharing its outcome', () => {
    const decision = decideBatch(counter, folded(0), [add(2, 'twice', true), add(4), add(2, 'twice', true)]);
    expect(decision.events.map(({ event }) => (event as Added).data.by)).toEqual([2, 4]);
    expect(decision.outcomes[2]).toBe(decision.outcomes[0]);
    expect(decision.anyFromClient).toBe(true);
  });

  it('records a command that decides nothing as unchanged after the events before it', () => {
    const touch: Touch = { type: 'Touch', data: {}, metadata: metadata('touch') };
    const decision = decideBatch(counter, folded(0), [touch, add(1), touch]);
    expect(decision.outcomes).toEqual([
      { kind: 'unchanged', afterEvent: -1 },
      { kind: 'appended', lastEvent: 0 },
      { kind: 'unchanged', afterEvent: 0 },
    ]);
  });
});
