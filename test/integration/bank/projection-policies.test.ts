import { beforeAll, describe, expect, it } from 'vitest';
import { activeKeySpace } from '../../../src/core/projections/active-version.js';
import { connectRedis, type RedisClient } from '../../../src/core/redis/client.js';
import { accountKey } from '../../../src/domains/bank/projections/account-summary.js';
import { AccountDocument, BankStatsDocument, ProjectionsDocument } from '../../generated/graphql.js';
import { bankApi } from '../../support/bank-api.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { executeOk } from '../../support/graphql-client.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * The bank's read models declare what happens at an event they cannot apply, and which streams
 * they read; the `projections` query shows both, and a halt with where and why. The last test
 * halts account-summary for good, so this file has its esgraph to itself.
 */

describe("the bank's projection declarations", () => {
  const esgraph = useTestEsgraph();
  const bank = bankApi(() => esgraph.url);
  let redis: RedisClient;
  beforeAll(async () => {
    redis = await connectRedis(esgraph.dependencies.redis.url);
    return () => redis.close();
  });

  const projections = async () => (await executeOk(esgraph.url, ProjectionsDocument)).projections;
  const named = async (name: string) => (await projections()).find((projection) => projection.name === name)!;

  it('show each read model’s and process manager’s failure policy and its stream category in the projections query', async () => {
    const shown = await projections();
    expect(
      Object.fromEntries(shown.map((p) => [p.name, [p.kind, p.failurePolicy, p.failureMaxAttempts, p.streamCategory]])),
    ).toEqual({
      'account-summary': ['PROJECTION', 'halt', 5, 'account'],
      transactions: ['PROJECTION', 'park', 5, 'account'],
      'accounts-by-owner': ['PROJECTION', 'park', 5, 'account'],
      'bank-stats': ['PROJECTION', 'park', 5, 'account'],
      transfers: ['PROJECTION', 'park', 5, 'transfer'],
      'transfer-process': ['PROCESS_MANAGER', 'park', 5, 'transfer'],
      'account-close-process': ['PROCESS_MANAGER', 'park', 5, 'account'],
    });
    for (const projection of shown) {
      expect(projection).toMatchObject({ halted: false, haltPosition: null, haltError: null });
    }
  });

  it('halt account-summary at an event it cannot apply, show where and why, and keep the others going', async () => {
    const account = await bank.open({ currency: 'DKK' });
    await executeOk(esgraph.url, AccountDocument, { id: account.accountId, consistentWith: account.position });
    // A key of the wrong type: the commit script refuses the HSET of the next change to it.
    const space = await activeKeySpace(redis, 'account-summary');
    await redis.set(space!.key(accountKey(account.accountId)), 'not a hash');

    const deposit = await bank.deposit(account.accountId, '12.34');
    await waitFor('account-summary to halt', async () => (await named('account-summary')).halted);
    const halted = await named('account-summary');
    expect(halted).toMatchObject({ haltPosition: deposit, runnerState: 'halted', checkpoint: account.position });
    expect(halted.haltError).toMatch(/MoneyDeposited account-/);
    expect(halted.haltError).toMatch(/not a hash/);

    // The other read models pass the event and go on.
    const later = await bank.deposit(account.accountId, '1.00');
    const { bankStats } = await executeOk(esgraph.url, BankStatsDocument, { consistentWith: later });
    expect(bankStats.totals.find((total) => total.currency === 'DKK')).toMatchObject({ deposited: '13.34' });
    for (const name of ['transactions', 'accounts-by-owner', 'bank-stats']) {
      expect(await named(name)).toMatchObject({ halted: false, haltPosition: null });
    }
    expect(await named('account-summary')).toMatchObject({ halted: true, checkpoint: account.position });
  });
});
