import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { changeChannel } from '../../../src/core/pubsub/channels.js';
import { useCoreNodes } from '../../support/core-node.js';
import { libraryModule } from '../../support/library/index.js';
import {
  circulationProjection,
  circulationTopic,
  type LoanRecord,
} from '../../support/library/projections/circulation.js';
import { catalogueTitle, lendCopy, returnCopy } from '../../support/library-commands.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * A live feed over the library's change notifications (core's liveFeed, SubscriberHub and change
 * bundles under the context's own feed). The subscriber is on another node than the commands
 * and the projector, so every change crosses processes through Redis pub/sub.
 */

describe('a live feed of a context’s changes', () => {
  const nodes = useCoreNodes(libraryModule);

  const started = async () => {
    const writer = await nodes.start();
    const reader = await nodes.start({ projector: false });
    const titleId = randomUUID();
    await writer.services.handle(catalogueTitle(titleId, 1_000));
    const lend = async (loanId: string) => (await writer.services.handle(lendCopy(titleId, loanId))).position;
    return { writer, reader, titleId, lend };
  };

  /** The next `count` records; fails if the feed ends first. */
  const take = async (feed: AsyncIterator<LoanRecord>, count: number): Promise<LoanRecord[]> => {
    const taken: LoanRecord[] = [];
    while (taken.length < count) {
      const { value, done } = await feed.next();
      if (done) throw new Error(`the feed ended after ${taken.length} records`);
      taken.push(value);
    }
    return taken;
  };
  const positionsOf = (records: readonly LoanRecord[]) => records.map((record) => String(record.position));

  it('delivers each change once and in log order to a subscriber on another node', async () => {
    const { writer, reader, titleId, lend } = await started();
    const feed = await reader.services.circulationFeed(titleId);
    const positions: string[] = [];
    for (let index = 0; index < 20; index++) {
      positions.push(await lend(`loan-${index}`));
      if (index % 4 === 3) {
        positions.push((await writer.services.handle(returnCopy(titleId, `loan-${index}`))).position);
      }
    }
    const received = await take(feed, positions.length);
    expect(positionsOf(received)).toEqual(positions);
    expect(received.filter((record) => record.kind === 'RETURNED').map((record) => record.loanId)).toEqual([
      'loan-3',
      'loan-7',
      'loan-11',
      'loan-15',
      'loan-19',
    ]);
    // Nothing more is waiting: the next record is the next change.
    const next = feed.next();
    const live = await lend('loan-last');
    expect(String((await next).value?.position)).toBe(live);
    await feed.return?.();
  });

  it('resumes with since after a reconnection: what it missed, then live changes, none repeated', async () => {
    const { reader, titleId, lend } = await started();
    const first = await reader.services.circulationFeed(titleId);
    const seen = [await lend('loan-1'), await lend('loan-2')];
    expect(positionsOf(await take(first, 2))).toEqual(seen);
    await first.return?.();

    const missed = [await lend('loan-3'), await lend('loan-4'), await lend('loan-5')];
    const resumed = await reader.services.circulationFeed(titleId, seen[1]);
    expect(positionsOf(await take(resumed, 3))).toEqual(missed);
    const live = await lend('loan-6');
    expect(positionsOf(await take(resumed, 1))).toEqual([live]);
    await resumed.return?.();
  });

  it('sends exactly the changes after since, oldest first, then live ones, while commands keep coming', async () => {
    const { reader, titleId, lend } = await started();
    const positions: string[] = [];
    // More than one catch-up chunk lies after `since`.
    for (let index = 0; index < 120; index++) positions.push(await lend(`loan-${index}`));

    const feed = await reader.services.circulationFeed(titleId, positions[9]);
    // No waiting for the feed: these race its catch-up reads, and none may be lost or repeated.
    for (let index = 120; index < 150; index++) positions.push(await lend(`loan-${index}`));

    expect(positionsOf(await take(feed, 140))).toEqual(positions.slice(10));
    await feed.return?.();
  });

  it('releases its Redis channel when the subscriber stops, even while nothing changes', async () => {
    const { reader, titleId } = await started();
    const channel = changeChannel(circulationProjection.name, circulationTopic(titleId));
    const listeners = async () => (await reader.redis.pubSubNumSub(channel))[channel] ?? 0;
    const feed = await reader.services.circulationFeed(titleId);
    const waiting = feed.next();
    expect(await listeners()).toBe(1);
    await feed.return?.();
    await waitFor('the channel to be released', async () => (await listeners()) === 0);
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});
