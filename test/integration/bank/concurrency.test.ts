import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccountAsOfDocument, DepositDocument, OpenAccountDocument } from '../../generated/graphql.js';
import { startTestEsgraph, useTestEsgraph } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';

/*
 * Retries as a bank client meets them, over GraphQL on two instances. How the pipeline decides
 * under contention (races, batches, repeats, conflicts) is core's and is proven on core's own
 * test context in test/integration/core/; what is left here is what the bank and the edge add: an
 * account id generated from the command id, so a retried open opens one account, and
 * COMMAND_MAX_ATTEMPTS reaching the client as CONCURRENCY_CONFLICT.
 */
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

  it('opens one account for a retried openAccount without an account id', async () => {
    const input = { ownerId: 'o', currency: 'EUR', commandId: `open-${randomUUID()}` };
    const once = await executeOk(first.url, OpenAccountDocument, { input });
    const again = await executeOk(second.url, OpenAccountDocument, { input });
    expect(again.openAccount.accountId).toBe(once.openAccount.accountId);
    expect(again).toEqual(once);
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
