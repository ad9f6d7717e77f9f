import { describe, expect, it } from 'vitest';
import type { Aggregate } from '../../../src/core/commands/aggregate.js';
import type { FoldedStream } from '../../../src/core/commands/aggregate-cache.js';
import { decideBatch } from '../../../src/core/commands/batch-decision.js';
import { commandDigest } from '../../../src/core/commands/command-digest.js';
import { commandEventId } from '../../../src/core/commands/event-ids.js';
import type { DomainCommand, DomainEvent } from '../../../src/core/decider.js';
import { CommandIdReusedError, DomainError } from '../../../src/core/errors.js';
import { eventDecoders } from '../../../src/core/event-decoders.js';

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
  events: eventDecoders<Added>({ Added: { 1: (stored: Added['data']) => stored } }),
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

/** A stream with a total, holding one event per command given (by id, with its digest if known). */
const folded = (
  total: number,
  commands: readonly (readonly [commandId: string, digest?: string])[] = [],
): FoldedStream<unknown> => ({
  state: total,
  revision: BigInt(commands.length - 1),
  lastPosition: commands.length > 0 ? 500n : undefined,
  commands: new Map(
    commands.map(([commandId, digest], index) => [
      commandId,
      { revision: BigInt(index), position: BigInt(100 * (index + 1)), digest },
    ]),
  ),
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

  it('gives each event an id derived from its command’s digest, and records id and digest in its metadata', () => {
    const command = add(1, 'cmd-a');
    const digest = commandDigest(command);
    const decision = decideBatch(counter, folded(0), [command]);
    expect(decision.events[0]).toMatchObject({
      id: digest,
      metadata: {
        commandId: 'cmd-a',
        commandDigest: digest,
        correlationId: 'request-1',
        causationId: 'cmd-a',
        schemaVersion: 1,
      },
    });
  });

  it('answers a client command already in the stream with its first outcome', () => {
    const retry = add(3, 'retry-me', true);
    const decision = decideBatch(counter, folded(3, [['x'], ['retry-me', commandDigest(retry)]]), [retry]);
    expect(decision.events).toEqual([]);
    expect(decision.outcomes).toEqual([
      { kind: 'repeated', result: { streamRevision: 1n, position: '200', repeated: true } },
    ]);
  });

  it('answers a command id stored without a digest (older events) with its first outcome', () => {
    const decision = decideBatch(counter, folded(3, [['old-command']]), [add(7, 'old-command', true)]);
    expect(decision.events).toEqual([]);
    expect(decision.outcomes[0]).toMatchObject({ kind: 'repeated', result: { streamRevision: 0n } });
  });

  it('refuses a different command under a command id the stream holds, appending nothing', () => {
    const first = add(3, 'reused', true);
    const decision = decideBatch(counter, folded(3, [['reused', commandDigest(first)]]), [add(4, 'reused', true)]);
    expect(decision.events).toEqual([]);
    expect(decision.outcomes[0]).toMatchObject({ kind: 'refused', error: expect.any(CommandIdReusedError) });
  });

  it('refuses the second of two different commands with one id in the same batch', () => {
    const decision = decideBatch(counter, folded(0), [add(2, 'same-id', true), add(5, 'same-id', true)]);
    expect(decision.events.map(({ event }) => (event as Added).data.by)).toEqual([2]);
    expect(decision.outcomes[1]).toMatchObject({ kind: 'refused', error: expect.any(CommandIdReusedError) });
  });

  it('decides a different command on its own when the first under its id was refused and wrote nothing', () => {
    const decision = decideBatch(counter, folded(0), [add(-2, 'retry', true), add(2, 'retry', true)]);
    expect(decision.outcomes.map((outcome) => outcome.kind)).toEqual(['refused', 'appended']);
  });

  it('leaves metadata other than the command id out of the digest, and tells type, data and id apart', () => {
    const command = (type: string, data: object, commandId = 'c-1', correlationId = 'r-1'): DomainCommand => ({
      type,
      data,
      metadata: { ...metadata(commandId), correlationId, now: new Date().toISOString() },
    });
    const digest = commandDigest(command('Deposit', { accountId: 'a', amount: 5 }));
    expect(commandDigest(command('Deposit', { amount: 5, accountId: 'a' }, 'c-1', 'r-2'))).toBe(digest);
    expect(commandDigest(command('Withdraw', { accountId: 'a', amount: 5 }))).not.toBe(digest);
    expect(commandDigest(command('Deposit', { accountId: 'a', amount: 6 }))).not.toBe(digest);
    expect(commandDigest(command('Deposit', { accountId: 'a', amount: 5 }, 'c-2'))).not.toBe(digest);
  });

  it('derives distinct ids for the events of one command', () => {
    const ids = [0, 1, 2].map((index) => commandEventId('a-digest', index));
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).toBe('a-digest');
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
