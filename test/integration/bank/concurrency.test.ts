import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import {
  AccountAsOfDocument,
  AccountHistoryDocument,
  DepositDocument,
  OpenAccountDocument,
  WithdrawDocument,
} from '../../generated/graphql.js';
import { startTestEsgraph, useTestEsgraph } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';

describe('commands under contention and retries', () => {
  const esgraph = useTestEsgraph(2);
  const first = {
    get url() {
      return esgraph.instances[0]!.url;
    },
  };
  const second = {
    get url() {
      return esgraph.instances[1]!.url;
    },
  };

  const openWith = async (amount: string) => {
    const accountId = randomUUID();
    await executeOk(first.url, OpenAccountDocument, { input: { accountId, ownerId: 'o', currency: 'EUR' } });
    await executeOk(first.url, DepositDocument, { input: { accountId, amount } });
    return accountId;
  };

  const balanceOf = async (accountId: string) =>
    (await executeOk(first.url, AccountAsOfDocument, { id: accountId })).accountAsOf?.balance;

  it('lets exactly 10 of 50 concurrent withdrawals of 10.00 from 100.00 succeed, ending at 0.00', async () => {
    const accountId = await openWith('100.00');
    // Spread over two instances, so the two processes really race on the stream's revision.
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        execute(index % 2 === 0 ? first.url : second.url, WithdrawDocument, { input: { accountId, amount: '10.00' } }),
      ),
    );
    const succeeded = results.filter((result) => result.data?.withdraw);
    const refused = results.map((result) => result.errors?.[0]?.extensions?.code).filter(Boolean);
    expect(succeeded).toHaveLength(10);
    expect(refused).toEqual(Array(40).fill('INSUFFICIENT_FUNDS'));
    expect(await balanceOf(accountId)).toBe('0.00');
    const revisions = succeeded.map((result) => result.data!.withdraw.streamRevision).sort((a, b) => a - b);
    expect(revisions).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('decides concurrent commands on one account in batches, answering each with its own revision and position', async () => {
    const accountId = await openWith('0.01');
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, index) =>
        executeOk(first.url, DepositDocument, { input: { accountId, amount: `${index + 1}.00` } }),
      ),
    );
    const history = (await executeOk(first.url, AccountHistoryDocument, { id: accountId })).accountHistory;
    expect(history).toHaveLength(66);
    for (const { deposit } of results) {
      // Every command answers exactly where its own event is: the same revision and position the log shows.
      const event = history[deposit.streamRevision]!;
      expect(event.position).toBe(deposit.position);
      expect(event.type).toBe('MoneyDeposited');
    }
    expect(new Set(results.map(({ deposit }) => deposit.streamRevision)).size).toBe(64);
    expect(await balanceOf(accountId)).toBe(`${(64 * 65) / 2}.01`);
  });

  it('answers a repeated deposit with the first result and deposits once', async () => {
    const accountId = await openWith('5.00');
    const input = { accountId, amount: '20.00', commandId: `deposit-${randomUUID()}` };
    const once = await executeOk(first.url, DepositDocument, { input });
    const again = await executeOk(first.url, DepositDocument, { input });
    const elsewhere = await executeOk(second.url, DepositDocument, { input });
    expect(again).toEqual(once);
    expect(elsewhere).toEqual(once);
    expect(await balanceOf(accountId)).toBe('25.00');
  });

  it('answers COMMAND_ID_REUSED on another instance for a commandId reused with another command', async () => {
    const accountId = await openWith('5.00');
    const commandId = `deposit-${randomUUID()}`;
    await executeOk(first.url, DepositDocument, { input: { accountId, amount: '20.00', commandId } });
    const reused = await execute(second.url, WithdrawDocument, { input: { accountId, amount: '1.00', commandId } });
    expect(reused.errors?.[0]?.extensions?.code).toBe('COMMAND_ID_REUSED');
    expect(await balanceOf(accountId)).toBe('25.00');
  });

  it('deposits once when the same command arrives concurrently at two instances', async () => {
    const accountId = await openWith('1.00');
    const input = { accountId, amount: '7.00', commandId: `deposit-${randomUUID()}` };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        executeOk(index % 2 ? first.url : second.url, DepositDocument, { input }),
      ),
    );
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    expect(await balanceOf(accountId)).toBe('8.00');
    const history = (await executeOk(first.url, AccountHistoryDocument, { id: accountId })).accountHistory;
    expect(history.filter((event) => event.type === 'MoneyDeposited')).toHaveLength(2);
  });

  it('opens one account for a retried openAccount without an account id', async () => {
    const input = { ownerId: 'o', currency: 'EUR', commandId: `open-${randomUUID()}` };
    const once = await executeOk(first.url, OpenAccountDocument, { input });
    const again = await executeOk(second.url, OpenAccountDocument, { input });
    expect(again.openAccount.accountId).toBe(once.openAccount.accountId);
    expect(again).toEqual(once);
  });

  it('decides on what the stream holds when another writer appended behind its back', async () => {
    const accountId = await openWith('10.00');
    await executeOk(first.url, WithdrawDocument, { input: { accountId, amount: '1.00' } });
    // Another writer (not esgraph) appends a withdrawal straight to the stream.
    const client = EventStoreDBClient.connectionString(esgraph.dependencies.esdb.connectionString);
    await client.appendToStream(
      `account-${accountId}`,
      jsonEvent({
        type: 'MoneyWithdrawn',
        data: { accountId, amount: 900, balanceAfter: 0, currency: 'EUR', occurredAt: new Date().toISOString() },
      }),
    );
    await client.dispose();
    const refused = await execute(first.url, WithdrawDocument, { input: { accountId, amount: '0.01' } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_FUNDS');
    expect(await balanceOf(accountId)).toBe('0.00');
  });

  it('gives up with CONCURRENCY_CONFLICT when every attempt loses the race', async () => {
    const impatient = await startTestEsgraph(esgraph.dependencies, { COMMAND_MAX_ATTEMPTS: '1' });
    try {
      const accountId = await openWith('1000.00');
      // Warm the impatient instance's cache, then move the stream on through the other instance.
      await executeOk(impatient.url, DepositDocument, { input: { accountId, amount: '1.00' } });
      await executeOk(second.url, DepositDocument, { input: { accountId, amount: '1.00' } });
      const result = await execute(impatient.url, DepositDocument, { input: { accountId, amount: '1.00' } });
      expect(result.errors?.[0]?.extensions?.code).toBe('CONCURRENCY_CONFLICT');
      expect(await balanceOf(accountId)).toBe('1002.00');
    } finally {
      await impatient.stop();
    }
  });
});
