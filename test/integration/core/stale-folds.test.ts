import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CommandPipeline } from '../../../src/core/commands/command-pipeline.js';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import { useEsdbLocal } from '../../support/esdb-local.js';
import { titleStreamName } from '../../support/library/title.js';
import { titleOn } from '../../support/library-commands.js';
import { countingReads, outcomeOf } from '../../support/pipeline.js';

/*
 * Two command instances (two pipelines, each with its own connection and fold cache) share one
 * esdb-local, as two esgraph processes would. Instance B keeps a fold from an earlier command;
 * instance A then changes the title behind B's back. Whatever B's cache holds, B must never
 * refuse on a state older than the stream's head: for a refusal the change has lifted, B's
 * command succeeds; for one that stands for good, B's refusal is still right.
 */

describe('a command instance whose cached fold went stale', () => {
  const esdb = useEsdbLocal();
  const connect = () => esdb.connect();
  /** Two fresh instances, and one title id for the test. */
  const instances = () => {
    const titleId = randomUUID();
    return {
      titleId,
      a: titleOn(new CommandPipeline(connect()), titleId),
      b: titleOn(new CommandPipeline(connect()), titleId),
    };
  };
  const eventsOf = (titleId: string) => readEventEnvelopes(connect(), titleStreamName(titleId));

  it('lends a copy of a title another instance catalogued after it answered TITLE_NOT_CATALOGUED', async () => {
    const { a, b } = instances();
    expect(await outcomeOf(b.lend('loan-1'))).toBe('TITLE_NOT_CATALOGUED');
    await a.catalogue(1);
    expect(await b.lend('loan-1')).toMatchObject({ streamRevision: 1n });
  });

  it('lends a copy another instance took back after it answered NO_COPY_AVAILABLE', async () => {
    const { a, b } = instances();
    await a.catalogue(1);
    await a.lend('loan-1');
    expect(await outcomeOf(b.lend('loan-2'))).toBe('NO_COPY_AVAILABLE');
    await a.giveBack('loan-1');
    expect(await b.lend('loan-2')).toMatchObject({ streamRevision: 3n });
  });

  it('takes back a loan another instance opened after it answered LOAN_NOT_FOUND', async () => {
    const { a, b } = instances();
    await a.catalogue(2);
    expect(await outcomeOf(b.giveBack('loan-1'))).toBe('LOAN_NOT_FOUND');
    await a.lend('loan-1');
    expect(await b.giveBack('loan-1')).toMatchObject({ streamRevision: 2n });
  });

  it('still answers TITLE_ALREADY_CATALOGUED, whether its fold shows no title or the catalogued one', async () => {
    const { titleId, a, b } = instances();
    expect(await outcomeOf(b.lend('loan-1'))).toBe('TITLE_NOT_CATALOGUED');
    await a.catalogue(1);
    expect(await outcomeOf(b.catalogue(1))).toBe('TITLE_ALREADY_CATALOGUED');
    expect(await outcomeOf(b.catalogue(1))).toBe('TITLE_ALREADY_CATALOGUED');
    expect(await eventsOf(titleId)).toHaveLength(1);
  });

  it('still answers LOAN_ALREADY_OPEN, whether its fold shows the loan open or not yet', async () => {
    const { titleId, a, b } = instances();
    await a.catalogue(3);
    await b.lend('loan-0');
    await a.lend('loan-1');
    expect(await outcomeOf(b.lend('loan-1'))).toBe('LOAN_ALREADY_OPEN');
    expect(await outcomeOf(b.lend('loan-1'))).toBe('LOAN_ALREADY_OPEN');
    expect(await eventsOf(titleId)).toHaveLength(3);
  });

  it('reads nothing to accept a command on a current fold, and one read forward to confirm a refusal', async () => {
    const titleId = randomUUID();
    const counted = countingReads(connect());
    const a = titleOn(new CommandPipeline(counted.client), titleId);
    await a.catalogue(25);
    expect(counted.reads()).toBe(1); // the catalogue's own read, finding no stream
    for (let n = 0; n < 20; n++) await a.lend(`loan-${n}`);
    await a.giveBack('loan-3');
    expect(counted.reads()).toBe(1);
    expect(await outcomeOf(a.giveBack('loan-3'))).toBe('LOAN_NOT_FOUND');
    expect(counted.reads()).toBe(2);
    await a.lend('loan-3');
    expect(counted.reads()).toBe(2);
  });

  it('confirms the refusal of a command decided on a fold it has just read without reading again', async () => {
    const titleId = randomUUID();
    await titleOn(new CommandPipeline(connect()), titleId).catalogue(1);
    const counted = countingReads(connect());
    const cold = titleOn(new CommandPipeline(counted.client), titleId);
    expect(await outcomeOf(cold.giveBack('loan-1'))).toBe('LOAN_NOT_FOUND');
    expect(counted.reads()).toBe(1);
  });
});
