import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { CommandPipeline } from '../../../src/core/commands/command-pipeline.js';
import { readStoredEvents } from '../../../src/core/eventstore/read-stream.js';
import { useEsdbLocal } from '../../support/esdb-local.js';
import { bankOn, outcomeOf } from '../../support/pipeline.js';

/*
 * A command id names one command. Sent again with the same type and data, it answers the first
 * result; with anything else it is refused as COMMAND_ID_REUSED and writes nothing, wherever the
 * reuse comes from: a later request, the same batch, another instance with a stale or empty
 * fold, or another instance deciding on the very revision the first command was decided on.
 */

describe('a command id reused for a different command', () => {
  const esdb = useEsdbLocal();
  const connect = () => esdb.connect();
  const instance = (accountId: string) => bankOn(new CommandPipeline(connect()), accountId);
  const depositsOf = async (accountId: string) =>
    (await readStoredEvents(connect(), `account-${accountId}`))
      .filter((event) => event.type !== 'AccountOpened')
      .map((event) => [event.type, (event.data as { amount: number }).amount]);

  it('is refused in a later request on the same instance, while the same command answers its first result', async () => {
    const accountId = randomUUID();
    const a = instance(accountId);
    await a.open();
    const commandId = randomUUID();
    const first = await a.deposit('20.00', { commandId });
    expect(await outcomeOf(a.deposit('30.00', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await outcomeOf(a.withdraw('20.00', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await a.deposit('20.00', { commandId })).toEqual({ ...first, repeated: true });
    expect(await depositsOf(accountId)).toEqual([['MoneyDeposited', 2000]]);
  });

  it('is refused when two different commands with one id are in flight together', async () => {
    const accountId = randomUUID();
    const a = instance(accountId);
    await a.open();
    const commandId = randomUUID();
    const outcomes = await Promise.all([
      outcomeOf(a.deposit('1.00', { commandId })),
      outcomeOf(a.deposit('2.00', { commandId })),
      outcomeOf(a.deposit('1.00', { commandId })),
    ]);
    expect(outcomes).toEqual(['ok', 'COMMAND_ID_REUSED', 'ok']);
    expect(await depositsOf(accountId)).toEqual([['MoneyDeposited', 100]]);
  });

  it('is refused by another instance that has never read the account', async () => {
    const accountId = randomUUID();
    const a = instance(accountId);
    await a.open();
    const commandId = randomUUID();
    await a.deposit('5.00', { commandId });
    expect(await outcomeOf(instance(accountId).withdraw('5.00', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await depositsOf(accountId)).toEqual([['MoneyDeposited', 500]]);
  });

  it('is refused by another instance whose fold predates the first command, accepted or refused there', async () => {
    const accountId = randomUUID();
    const a = instance(accountId);
    const b = instance(accountId);
    await a.open();
    await b.deposit('1.00');
    const commandId = randomUUID();
    await a.deposit('5.00', { commandId });
    // B's fold shows 1.00: it would accept a deposit and refuse a large withdrawal there.
    expect(await outcomeOf(b.withdraw('3.00', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await outcomeOf(b.withdraw('50.00', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await depositsOf(accountId)).toEqual([
      ['MoneyDeposited', 100],
      ['MoneyDeposited', 500],
    ]);
  });

  it('is refused when two instances decide different commands with one id on the same revision', async () => {
    const accountId = randomUUID();
    const a = instance(accountId);
    const b = instance(accountId);
    await a.open();
    await a.deposit('1.00');
    // B reads the account to its head to refuse this, so both folds are current at revision 1.
    expect(await outcomeOf(b.withdraw('100.00'))).toBe('INSUFFICIENT_FUNDS');
    const commandId = randomUUID();
    const first = await a.deposit('10.00', { commandId });
    // B decides on revision 1 too, as if the two had raced; only A's command is in the store.
    expect(await outcomeOf(b.deposit('20.00', { commandId }))).toBe('COMMAND_ID_REUSED');
    expect(await depositsOf(accountId)).toEqual([
      ['MoneyDeposited', 100],
      ['MoneyDeposited', 1000],
    ]);
    expect(await b.deposit('10.00', { commandId })).toEqual({ ...first, repeated: true });
  });

  it('answers the first result for a command id whose events were stored before digests were', async () => {
    const accountId = randomUUID();
    const a = instance(accountId);
    await a.open();
    const commandId = randomUUID();
    const data = { accountId, amount: 700, balanceAfter: 700, currency: 'EUR', occurredAt: new Date().toISOString() };
    await connect().appendToStream(
      `account-${accountId}`,
      jsonEvent({ type: 'MoneyDeposited', data, metadata: { commandId, causationId: commandId, schemaVersion: 1 } }),
    );
    expect(await instance(accountId).deposit('9.00', { commandId })).toMatchObject({
      streamRevision: 1n,
      repeated: true,
    });
    expect(await depositsOf(accountId)).toEqual([['MoneyDeposited', 700]]);
  });
});
