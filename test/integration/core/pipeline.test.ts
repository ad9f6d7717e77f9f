import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { CommandPipeline } from '../../../src/core/commands/command-pipeline.js';
import { ConcurrencyError, DomainError } from '../../../src/core/errors.js';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import { useEsdbLocal } from '../../support/esdb-local.js';
import { titleStreamName } from '../../support/library/title.js';
import { titleOn } from '../../support/library-commands.js';
import { outcomeOf } from '../../support/pipeline.js';

/*
 * The command pipeline on the library context: accepting, refusing, answering a repeat, and
 * deciding under contention. Two pipelines, each with its own connection and fold cache, are
 * two command instances sharing one event store, as two esgraph processes would.
 */

describe('the command pipeline', () => {
  const esdb = useEsdbLocal();
  const instance = () => new CommandPipeline(esdb.connect());
  const eventsOf = (titleId: string) => readEventEnvelopes(esdb.client, titleStreamName(titleId));
  const catalogued = async (copies: number) => {
    const titleId = randomUUID();
    const pipeline = instance();
    await titleOn(pipeline, titleId).catalogue(copies);
    return { titleId, pipeline, title: titleOn(pipeline, titleId) };
  };

  it('appends the events a command decides and answers where the last one landed', async () => {
    const titleId = randomUUID();
    const title = titleOn(instance(), titleId);
    const opened = await title.catalogue(3);
    const lent = await title.lend('loan-1');
    expect(opened).toMatchObject({ streamName: `title-${titleId}`, streamRevision: 0n, repeated: false });
    expect(lent).toMatchObject({ streamName: `title-${titleId}`, streamRevision: 1n, repeated: false });
    const stored = await eventsOf(titleId);
    expect(stored.map((event) => [event.type, event.revision, String(event.position)])).toEqual([
      ['TitleCatalogued', 0n, opened.position],
      ['CopyLent', 1n, lent.position],
    ]);
    expect(stored[1]!.data).toMatchObject({ titleId, loanId: 'loan-1', onLoanAfter: 1 });
    expect(stored[1]!.metadata).toMatchObject({ schemaVersion: 1, commandDigest: expect.any(String) });
  });

  it('refuses a command its decider refuses with that DomainError, and appends nothing', async () => {
    const { titleId, title } = await catalogued(1);
    await title.lend('loan-1');
    const refused = title.lend('loan-2');
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    expect(await outcomeOf(refused)).toBe('NO_COPY_AVAILABLE');
    expect(await outcomeOf(titleOn(instance(), randomUUID()).lend('loan-1'))).toBe('TITLE_NOT_CATALOGUED');
    expect((await eventsOf(titleId)).map((event) => event.type)).toEqual(['TitleCatalogued', 'CopyLent']);
  });

  it('answers a command sent again under its command id with the first result, on any instance', async () => {
    const { titleId, pipeline, title } = await catalogued(5);
    const commandId = randomUUID();
    const once = await title.lend('loan-1', { commandId });
    const again = await title.lend('loan-1', { commandId });
    const elsewhere = await titleOn(instance(), titleId).lend('loan-1', { commandId });
    expect(again).toEqual({ ...once, repeated: true });
    expect(elsewhere).toEqual({ ...once, repeated: true });
    expect(await outcomeOf(titleOn(pipeline, titleId).lend('loan-1'))).toBe('LOAN_ALREADY_OPEN');
    expect((await eventsOf(titleId)).map((event) => event.type)).toEqual(['TitleCatalogued', 'CopyLent']);
  });

  it('lends exactly 10 of 10 copies to 50 concurrent requests from two instances, at revisions 1 to 10', async () => {
    const { titleId } = await catalogued(10);
    const [first, second] = [titleOn(instance(), titleId), titleOn(instance(), titleId)];
    // Spread over two instances, so the two really race on the stream's revision.
    const sent = Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? first : second).lend(`loan-${index}`));
    const outcomes = await Promise.all(sent.map(outcomeOf));
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(10);
    expect(outcomes.filter((outcome) => outcome !== 'ok')).toEqual(Array(40).fill('NO_COPY_AVAILABLE'));
    const revisions = (await Promise.allSettled(sent))
      .flatMap((settled) => (settled.status === 'fulfilled' ? [settled.value.streamRevision] : []))
      .sort((a, b) => Number(a - b));
    expect(revisions).toEqual(Array.from({ length: 10 }, (_, index) => BigInt(index + 1)));
    expect((await eventsOf(titleId)).at(-1)!.data).toMatchObject({ onLoanAfter: 10 });
  });

  it('decides concurrent commands on one stream in batches, answering each with its own revision and position', async () => {
    const { titleId, title } = await catalogued(64);
    const receipts = await Promise.all(Array.from({ length: 64 }, (_, index) => title.lend(`loan-${index}`)));
    const stored = await eventsOf(titleId);
    expect(stored).toHaveLength(65);
    receipts.forEach((receipt, index) => {
      // Every command answers exactly where its own event is: the revision and position the log shows.
      const event = stored[Number(receipt.streamRevision)]!;
      expect(String(event.position)).toBe(receipt.position);
      expect(event.data).toMatchObject({ loanId: `loan-${index}` });
    });
    expect(new Set(receipts.map((receipt) => receipt.streamRevision)).size).toBe(64);
  });

  it('lends once when the same command arrives concurrently at two instances', async () => {
    const { titleId } = await catalogued(3);
    const [first, second] = [titleOn(instance(), titleId), titleOn(instance(), titleId)];
    const commandId = randomUUID();
    const receipts = await Promise.all(
      Array.from({ length: 10 }, (_, index) => (index % 2 ? first : second).lend('loan-1', { commandId })),
    );
    expect(new Set(receipts.map(({ streamRevision, position }) => `${streamRevision}@${position}`)).size).toBe(1);
    expect((await eventsOf(titleId)).map((event) => event.type)).toEqual(['TitleCatalogued', 'CopyLent']);
  });

  it('wins a conflict with another instance by reading what it wrote and deciding again', async () => {
    const { titleId, title } = await catalogued(2);
    const other = titleOn(instance(), titleId);
    await title.lend('loan-1'); // this instance's fold now ends at revision 1
    await other.lend('loan-2'); // the other appends revision 2 behind its back
    await other.giveBack('loan-1'); // and revision 3
    // The cached fold is stale: the append conflicts, the pipeline reads forward and decides again.
    expect(await title.lend('loan-3')).toMatchObject({ streamRevision: 4n });
    expect(await outcomeOf(title.lend('loan-4'))).toBe('NO_COPY_AVAILABLE');
  });

  it('decides on what the stream holds when a writer outside esgraph appended behind its back', async () => {
    const { titleId, title } = await catalogued(1);
    await title.lend('loan-1');
    await esdb.client.appendToStream(
      titleStreamName(titleId),
      jsonEvent({
        type: 'CopyReturned',
        data: { titleId, loanId: 'loan-1', memberId: 'member-1', onLoanAfter: 0, at: new Date().toISOString() },
      }),
    );
    expect(await title.lend('loan-2')).toMatchObject({ streamRevision: 3n });
  });

  it('gives up with ConcurrencyError when every attempt loses the race', async () => {
    const titleId = randomUUID();
    const impatient = titleOn(new CommandPipeline(esdb.connect(), { maxAttempts: 1 }), titleId);
    const other = titleOn(instance(), titleId);
    await other.catalogue(10);
    // Warm the impatient instance's fold, then move the stream on through the other instance.
    await impatient.lend('loan-1');
    await other.lend('loan-2');
    await expect(impatient.lend('loan-3')).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await eventsOf(titleId)).toHaveLength(3);
  });
});
