import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { CommandPipeline } from '../../../src/core/commands/command-pipeline.js';
import { readEventEnvelopes } from '../../../src/core/eventstore/read-stream.js';
import { useEsdbLocal } from '../../support/esdb-local.js';
import { titleStreamName } from '../../support/library/title.js';
import { titleOn } from '../../support/library-commands.js';
import { outcomeOf } from '../../support/pipeline.js';

/*
 * A command id names one command. Sent again with the same type and data, it answers the first
 * result; with anything else it is refused as COMMAND_ID_REUSED and writes nothing, wherever the
 * reuse comes from: a later request, the same batch, another instance with a stale or empty
 * fold, or another instance deciding on the very revision the first command was decided on.
 */

describe('a command id reused for a different command', () => {
  const esdb = useEsdbLocal();
  const connect = () => esdb.connect();
  const instance = (titleId: string) => titleOn(new CommandPipeline(connect()), titleId);
  /** The title's loan events after its cataloguing: [type, loan id]. */
  const loansOf = async (titleId: string) =>
    (await readEventEnvelopes(connect(), titleStreamName(titleId)))
      .filter((event) => event.type !== 'TitleCatalogued')
      .map((event) => [event.type, (event.data as { loanId: string }).loanId]);
  const catalogued = async () => {
    const titleId = randomUUID();
    const a = instance(titleId);
    await a.catalogue(10);
    return { titleId, a };
  };

  it('is refused in a later request on the same instance, while the same command answers its first result', async () => {
    const { titleId, a } = await catalogued();
    const commandId = randomUUID();
    const first = await a.lend('loan-1', { commandId });
    expect(await outcomeOf(a.lend('loan-2', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await outcomeOf(a.giveBack('loan-1', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await a.lend('loan-1', { commandId })).toEqual({ ...first, repeated: true });
    expect(await loansOf(titleId)).toEqual([['CopyLent', 'loan-1']]);
  });

  it('is refused when two different commands with one id are in flight together', async () => {
    const { titleId, a } = await catalogued();
    const commandId = randomUUID();
    const outcomes = await Promise.all([
      outcomeOf(a.lend('loan-1', { commandId })),
      outcomeOf(a.lend('loan-2', { commandId })),
      outcomeOf(a.lend('loan-1', { commandId })),
    ]);
    expect(outcomes).toEqual(['ok', 'COMMAND_ID_REUSED', 'ok']);
    expect(await loansOf(titleId)).toEqual([['CopyLent', 'loan-1']]);
  });

  it('is refused by another instance that has never read the title', async () => {
    const { titleId, a } = await catalogued();
    const commandId = randomUUID();
    await a.lend('loan-1', { commandId });
    expect(await outcomeOf(instance(titleId).lend('loan-2', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await loansOf(titleId)).toEqual([['CopyLent', 'loan-1']]);
  });

  it('is refused by another instance whose fold predates the first command, accepted or refused there', async () => {
    const { titleId, a } = await catalogued();
    const b = instance(titleId);
    await b.lend('loan-0');
    const commandId = randomUUID();
    await a.lend('loan-1', { commandId });
    // B's fold shows only loan-0: it would accept another lending and refuse returning loan-9.
    expect(await outcomeOf(b.lend('loan-2', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await outcomeOf(b.giveBack('loan-9', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await loansOf(titleId)).toEqual([
      ['CopyLent', 'loan-0'],
      ['CopyLent', 'loan-1'],
    ]);
  });

  it('is refused when two instances decide different commands with one id on the same revision', async () => {
    const { titleId, a } = await catalogued();
    const b = instance(titleId);
    await a.lend('loan-0');
    // B reads the title to its head to refuse this, so both folds are current at revision 1.
    expect(await outcomeOf(b.giveBack('loan-9'))).toBe('LOAN_NOT_FOUND');
    const commandId = randomUUID();
    const first = await a.lend('loan-1', { commandId });
    // B decides on revision 1 too, as if the two had raced; only A's command is in the store.
    expect(await outcomeOf(b.lend('loan-2', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await loansOf(titleId)).toEqual([
      ['CopyLent', 'loan-0'],
      ['CopyLent', 'loan-1'],
    ]);
    expect(await b.lend('loan-1', { commandId })).toEqual({ ...first, repeated: true });
  });

  it('answers the first result for a command id whose events were stored before digests were', async () => {
    const { titleId } = await catalogued();
    const commandId = randomUUID();
    const data = { titleId, loanId: 'loan-7', memberId: 'member-1', onLoanAfter: 1, at: new Date().toISOString() };
    await connect().appendToStream(
      titleStreamName(titleId),
      jsonEvent({ type: 'CopyLent', data, metadata: { commandId, causationId: commandId, schemaVersion: 1 } }),
    );
    expect(await instance(titleId).lend('loan-9', { commandId })).toMatchObject({
      streamRevision: 1n,
      repeated: true,
    });
    expect(await loansOf(titleId)).toEqual([['CopyLent', 'loan-7']]);
  });
});
