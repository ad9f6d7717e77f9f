import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { CommandPipeline } from '../../../src/core/commands/command-pipeline.js';
import { readStoredEvents } from '../../../src/core/eventstore/read-stream.js';
import { useEsdbLocal } from '../../support/esdb-local.js';
import { bankOn, countingReads, outcomeOf } from '../../support/pipeline.js';

/*
 * Two command instances (two pipelines, each with its own connection and fold cache) share one
 * esdb-local, as two esgraph processes would. Instance B keeps a fold from an earlier command;
 * instance A then changes the account behind B's back. Whatever B's cache holds, B must never
 * refuse on a state older than the stream's head: for a refusal the change has lifted, B's
 * command succeeds; for one that stands for good, B's refusal is still right.
 */

describe('a command instance whose cached fold went stale', () => {
  const esdb = useEsdbLocal();
  const connect = () => esdb.connect();
  /** Two fresh instances, and one account id for the test. */
  const instances = () => {
    const accountId = randomUUID();
    return {
      accountId,
      a: bankOn(new CommandPipeline(connect()), accountId),
      b: bankOn(new CommandPipeline(connect()), accountId),
    };
  };

  it('deposits into an account another instance opened after it answered ACCOUNT_NOT_FOUND', async () => {
    const { a, b } = instances();
    expect(await outcomeOf(b.deposit('5.00'))).toBe('ACCOUNT_NOT_FOUND');
    await a.open();
    expect(await b.deposit('5.00')).toMatchObject({ streamRevision: 1n });
  });

  it('withdraws money another instance deposited after it answered INSUFFICIENT_FUNDS', async () => {
    const { a, b } = instances();
    await a.open();
    expect(await outcomeOf(b.withdraw('5.00'))).toBe('INSUFFICIENT_FUNDS');
    await a.deposit('10.00');
    expect(await b.withdraw('5.00')).toMatchObject({ streamRevision: 2n });
  });

  it('closes an account another instance emptied after it answered ACCOUNT_NOT_EMPTY', async () => {
    const { a, b } = instances();
    await a.open();
    await a.deposit('10.00');
    expect(await outcomeOf(b.close())).toBe('ACCOUNT_NOT_EMPTY');
    await a.withdraw('10.00');
    expect(await b.close()).toMatchObject({ streamRevision: 3n });
  });

  it('deposits into an account another instance drew down after it answered BALANCE_LIMIT_EXCEEDED', async () => {
    const { accountId, a, b } = instances();
    await a.open();
    // No client can deposit its way up to 2^53 minor units in a test's time; another writer can
    // record the balance directly (evolve trusts balanceAfter).
    const nearLimit = Number.MAX_SAFE_INTEGER - 50;
    await connect().appendToStream(
      `account-${accountId}`,
      jsonEvent({
        type: 'MoneyDeposited',
        data: {
          accountId,
          amount: nearLimit,
          balanceAfter: nearLimit,
          currency: 'EUR',
          occurredAt: new Date().toISOString(),
        },
      }),
    );
    expect(await outcomeOf(b.deposit('1.00'))).toBe('BALANCE_LIMIT_EXCEEDED');
    await a.withdraw('1.00');
    expect(await b.deposit('1.00')).toMatchObject({ streamRevision: 3n });
  });

  it('still answers ACCOUNT_ALREADY_EXISTS, whether its fold shows no account or the open one', async () => {
    const { accountId, a, b } = instances();
    expect(await outcomeOf(b.deposit('1.00'))).toBe('ACCOUNT_NOT_FOUND');
    await a.open();
    expect(await outcomeOf(b.open())).toBe('ACCOUNT_ALREADY_EXISTS');
    expect(await outcomeOf(b.open())).toBe('ACCOUNT_ALREADY_EXISTS');
    expect(await readStoredEvents(connect(), `account-${accountId}`)).toHaveLength(1);
  });

  it('still answers ACCOUNT_CLOSED, whether its fold shows the account open or closed', async () => {
    const { accountId, a, b } = instances();
    await a.open();
    await b.deposit('1.00');
    await a.withdraw('1.00');
    await a.close();
    expect(await outcomeOf(b.deposit('1.00'))).toBe('ACCOUNT_CLOSED');
    expect(await outcomeOf(b.deposit('1.00'))).toBe('ACCOUNT_CLOSED');
    expect(await readStoredEvents(connect(), `account-${accountId}`)).toHaveLength(4);
  });

  it('reads nothing to accept a command on a current fold, and one read forward to confirm a refusal', async () => {
    const accountId = randomUUID();
    const counted = countingReads(connect());
    const a = bankOn(new CommandPipeline(counted.client), accountId);
    await a.open();
    expect(counted.reads()).toBe(1); // the open's own read, finding no stream
    for (let n = 0; n < 20; n++) await a.deposit('1.00');
    await a.withdraw('5.00');
    expect(counted.reads()).toBe(1);
    expect(await outcomeOf(a.withdraw('100.00'))).toBe('INSUFFICIENT_FUNDS');
    expect(counted.reads()).toBe(2);
    await a.deposit('1.00');
    expect(counted.reads()).toBe(2);
  });

  it('confirms the refusal of a command decided on a fold it has just read without reading again', async () => {
    const accountId = randomUUID();
    await bankOn(new CommandPipeline(connect()), accountId).open();
    const counted = countingReads(connect());
    const cold = bankOn(new CommandPipeline(counted.client), accountId);
    expect(await outcomeOf(cold.withdraw('1.00'))).toBe('INSUFFICIENT_FUNDS');
    expect(counted.reads()).toBe(1);
  });
});
