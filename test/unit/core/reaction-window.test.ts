import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../src/core/eventstore/event-envelope.js';
import type { Handled } from '../../../src/core/process-managers/event-handling.js';
import { MAX_TAKEN, ReactionWindow } from '../../../src/core/process-managers/reaction-window.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The order a process manager's session reacts in and where its checkpoint goes, without I/O:
 * each reaction here finishes only when the test says so, and every start and commit is recorded.
 */

const event = (position: number, streamName: string): EventEnvelope => ({
  id: `event-${position}`,
  type: 'Happened',
  data: {},
  metadata: {},
  streamName,
  revision: 0n,
  position: BigInt(position),
  created: new Date(0),
});

/** A session whose reactions wait for `finish(position, outcome)`; it records starts and commits. */
const recordingSession = () => {
  const started: number[] = [];
  const committed: bigint[] = [];
  const finishers = new Map<number, (handled: Handled) => void>();
  const reactions = new Map<number, Promise<Handled>>();
  const ended: unknown[] = [];
  const controller = new AbortController();
  const session = {
    signal: controller.signal,
    react: (reacting: EventEnvelope) => {
      const reaction = new Promise<Handled>((resolve) => {
        started.push(Number(reacting.position));
        finishers.set(Number(reacting.position), resolve);
      });
      reactions.set(Number(reacting.position), reaction);
      return reaction;
    },
    checkpoint: async (position: bigint) => {
      committed.push(position);
      return true;
    },
    end: (error?: unknown) => {
      ended.push(error);
      controller.abort();
    },
  };
  /** Ends the reaction to the event at `position`; resolves once the window has seen it end. */
  const finish = async (position: number, handled: Handled = 'reacted'): Promise<void> => {
    finishers.get(position)!(handled);
    // The window awaited this reaction first, so by the time this await returns it has taken note.
    await reactions.get(position);
  };
  return { session, started, committed, ended, finish };
};

describe('a reaction window', () => {
  it('reacts to events of different streams side by side, and to one stream’s in log order', async () => {
    const { session, started, finish } = recordingSession();
    const window = new ReactionWindow(session, 10);
    await window.take([event(1, 'hold-a'), event(2, 'hold-b'), event(3, 'hold-a')]);
    await waitFor('both streams’ first events to start', () => started.length === 2);
    expect(started).toEqual([1, 2]);
    await finish(2);
    expect(started).toEqual([1, 2]);
    await finish(1);
    await waitFor('the stream’s second event to start', () => started.length === 3);
    expect(started).toEqual([1, 2, 3]);
    await finish(3);
    await window.settled();
  });

  it('moves the checkpoint only past events with every event before them done', async () => {
    const { session, committed, finish, started } = recordingSession();
    const window = new ReactionWindow(session, 10);
    await window.take([event(1, 's-1'), event(2, 's-2'), event(3, 's-3')]);
    await waitFor('all three to start', () => started.length === 3);
    await finish(3);
    await finish(2);
    // Done, but behind the first: nothing is past the checkpoint yet.
    expect(window.pending).toBe(3);
    expect(committed).toEqual([]);
    await finish(1, 'passed');
    expect(window.pending).toBe(0);
    await window.settled();
    // The frontier jumped from before 1 to 3 at once: one commit, past all three.
    expect(committed).toEqual([3n]);
    expect(window.pending).toBe(0);
  });

  it('takes no more than its limit at once, and never the same event twice', async () => {
    const { session, started, finish } = recordingSession();
    const window = new ReactionWindow(session, 2);
    const taking = window.take([event(1, 's-1'), event(2, 's-2'), event(3, 's-3')]);
    // Without the limit the third would have started with the others, and this would never hold.
    await waitFor('two to start', () => started.length === 2);
    expect(started).toEqual([1, 2]);
    await finish(1);
    await taking;
    await waitFor('the third to start', () => started.length === 3);
    // The feed hands events again after it starts over: those already taken are skipped.
    await window.take([event(2, 's-2'), event(3, 's-3')]);
    expect(window.lastTaken).toBe(3n);
    await finish(2);
    await finish(3);
    await window.settled();
    expect(started).toEqual([1, 2, 3]);
  });

  it('holds no more than MAX_TAKEN events behind its checkpoint, however high its limit', async () => {
    const { session, started, finish } = recordingSession();
    const window = new ReactionWindow(session, 2 * MAX_TAKEN);
    const events = Array.from({ length: MAX_TAKEN + 1 }, (_, index) => event(index + 1, `s-${index}`));
    const taking = window.take(events);
    await waitFor('the first MAX_TAKEN to start', () => started.length === MAX_TAKEN);
    expect(window.pending).toBe(MAX_TAKEN);
    // The oldest done moves the checkpoint on, which makes room for the last.
    await finish(1);
    await taking;
    await waitFor('the last to start', () => started.length === MAX_TAKEN + 1);
    for (let position = 2; position <= MAX_TAKEN + 1; position++) await finish(position);
    await window.settled();
    expect(window.pending).toBe(0);
  });

  it('ends the session when the lease is gone, and starts nothing after it', async () => {
    const { session, started, finish, ended } = recordingSession();
    const window = new ReactionWindow(session, 10);
    await window.take([event(1, 's-1'), event(2, 's-1')]);
    await waitFor('the first to start', () => started.length === 1);
    await finish(1, 'fenced');
    await window.settled();
    expect(ended).toEqual([undefined]);
    expect(started).toEqual([1]);
    await window.take([event(3, 's-2')]);
    expect(started).toEqual([1]);
  });
});
