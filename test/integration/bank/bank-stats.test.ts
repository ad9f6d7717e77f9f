import { beforeAll, describe, expect, it } from 'vitest';
import { activeKeySpace } from '../../../src/core/projections/active-version.js';
import { connectRedis, type RedisClient } from '../../../src/core/redis/client.js';
import { AccountDocument, BankStatsDocument, ProjectionsDocument } from '../../generated/graphql.js';
import { bankApi } from '../../support/bank-api.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';
import { waitFor } from '../../support/wait-for.js';

/** A small deterministic generator (mulberry32), so a failing run can be replayed from its seed. */
const randomFrom = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const cents = (minor: number): string => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

/** Exact decimal text of a bigint count of minor units. */
const exactly = (minor: bigint): string => {
  const digits = (minor < 0n ? -minor : minor).toString().padStart(3, '0');
  return `${minor < 0n ? '-' : ''}${BigInt(digits.slice(0, -2))}.${digits.slice(-2)}`;
};

const maxAmount = 100_000_000_000n; // 1,000,000,000.00, the most one command moves

describe('bank statistics', () => {
  const esgraph = useTestEsgraph();
  const bank = bankApi(() => esgraph.url);
  let redis: RedisClient;
  beforeAll(async () => {
    redis = await connectRedis(esgraph.dependencies.redis.url);
    return () => redis.close();
  });

  /**
   * Stands in for a long history in one currency: adds to the totals hash the projection serves
   * from, as many earlier deposits would have (the projection's own HINCRBYs add on top of it).
   */
  const seedTotals = async (currency: string, minorUnits: bigint): Promise<void> => {
    const space = await activeKeySpace(redis, 'bank-stats');
    for (const field of ['balance', 'deposited']) {
      // As a string: node-redis takes a number here, which would round past 2^53.
      await redis.sendCommand(['HINCRBY', space!.key('totals'), `${currency}:${field}`, minorUnits.toString()]);
    }
  };

  const parkedInBankStats = async (): Promise<number> => {
    const { projections } = await executeOk(esgraph.url, ProjectionsDocument);
    return projections.find((projection) => projection.name === 'bank-stats')!.parked;
  };

  const totalsIn = async (currency: string, consistentWith: string | null) =>
    (await executeOk(esgraph.url, BankStatsDocument, { consistentWith })).bankStats.totals.find(
      (total) => total.currency === currency,
    );

  it('keep exact totals per currency over many random operations: what is held is what came in minus what went out', async () => {
    const seed = Date.now();
    const random = randomFrom(seed);
    const currencies = ['CHF', 'SEK'];
    const accounts: { id: string; currency: string; balance: number; open: boolean }[] = [];
    const expected = new Map(currencies.map((currency) => [currency, { deposited: 0, withdrawn: 0, open: 0 }]));
    let position = '';

    for (let step = 0; step < 300; step++) {
      const open = accounts.filter((account) => account.open);
      const roll = random();
      if (open.length < 2 || roll < 0.08) {
        const currency = currencies[Math.floor(random() * currencies.length)]!;
        const opened = await bank.open({ currency });
        accounts.push({ id: opened.accountId, currency, balance: 0, open: true });
        expected.get(currency)!.open++;
        position = opened.position;
        continue;
      }
      const account = open[Math.floor(random() * open.length)]!;
      const totals = expected.get(account.currency)!;
      if (roll < 0.12) {
        if (account.balance > 0) {
          await bank.withdraw(account.id, cents(account.balance));
          totals.withdrawn += account.balance;
          account.balance = 0;
        }
        position = await bank.close(account.id);
        account.open = false;
        totals.open--;
      } else if (roll < 0.55 && account.balance > 0) {
        const amount = 1 + Math.floor(random() * account.balance);
        position = await bank.withdraw(account.id, cents(amount));
        totals.withdrawn += amount;
        account.balance -= amount;
      } else {
        const amount = 1 + Math.floor(random() * 100_000_000);
        position = await bank.deposit(account.id, cents(amount));
        totals.deposited += amount;
        account.balance += amount;
      }
    }

    const { bankStats } = await executeOk(esgraph.url, BankStatsDocument, { consistentWith: position });
    const held = (currency: string) =>
      accounts.filter((account) => account.currency === currency).reduce((sum, account) => sum + account.balance, 0);
    expect(bankStats.totals, `seed ${seed}`).toEqual(
      currencies.map((currency) => {
        const totals = expected.get(currency)!;
        expect(held(currency), `seed ${seed}`).toBe(totals.deposited - totals.withdrawn);
        return {
          currency,
          balance: cents(totals.deposited - totals.withdrawn),
          deposited: cents(totals.deposited),
          withdrawn: cents(totals.withdrawn),
          openAccounts: totals.open,
        };
      }),
    );
    expect(bankStats.openAccounts).toBe(accounts.filter((account) => account.open).length);
  });

  it('sum past 2^53 minor units exactly and answer the totals as exact decimal strings', async () => {
    const seeded = 2n ** 53n - 3n * maxAmount + 7n;
    const [first, second] = [await bank.open({ currency: 'NOK' }), await bank.open({ currency: 'NOK' })];
    await totalsIn('NOK', second.position);
    await seedTotals('NOK', seeded);

    // Concurrent deposits on one account are appended together and projected as one batch.
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        bank.deposit(index % 2 ? first.accountId : second.accountId, '1000000000.00'),
      ),
    );
    await bank.withdraw(first.accountId, '0.01');
    const last = await bank.deposit(second.accountId, '0.05');

    const deposited = seeded + 10n * maxAmount + 5n;
    expect(deposited).toBeGreaterThan(2n ** 53n);
    expect(await totalsIn('NOK', last)).toEqual({
      currency: 'NOK',
      balance: exactly(deposited - 1n),
      deposited: exactly(deposited),
      withdrawn: '0.01',
      openAccounts: 2,
    });
    // Account balances stay numbers well inside 2^53, and are still written exactly.
    const { account } = await executeOk(esgraph.url, AccountDocument, { id: first.accountId, consistentWith: last });
    expect(account?.balance).toBe('4999999999.99');
  });

  it('park an event whose increment would leave the 64-bit range, and keep answering the totals', async () => {
    const near = 2n ** 63n - 1n - maxAmount / 2n;
    const { accountId, position } = await bank.open({ currency: 'ISK' });
    await totalsIn('ISK', position);
    await seedTotals('ISK', near);
    const parkedBefore = await parkedInBankStats();

    const overflowing = await bank.deposit(accountId, '1000000000.00');
    await waitFor('the overflowing deposit to be parked', async () => (await parkedInBankStats()) > parkedBefore);

    // The checkpoint moved past the parked event, so a read consistent with it answers, unchanged.
    expect(await totalsIn('ISK', overflowing)).toEqual({
      currency: 'ISK',
      balance: exactly(near),
      deposited: exactly(near),
      withdrawn: '0.00',
      openAccounts: 1,
    });
    // The projector is not wedged: what comes after is still projected, into every read model.
    const after = await bank.withdraw(accountId, '0.25');
    expect((await totalsIn('ISK', after))?.withdrawn).toBe('0.25');
    const { account } = await executeOk(esgraph.url, AccountDocument, { id: accountId, consistentWith: after });
    expect(account?.balance).toBe('999999999.75');
  });

  it('report a stored value it cannot read as an error of that field alone', async () => {
    const { position } = await bank.open({ currency: 'DKK' });
    await totalsIn('DKK', position);
    const space = await activeKeySpace(redis, 'bank-stats');
    await redis.hSet(space!.key('totals'), 'DKK:withdrawn', 'not a number');

    const response = await execute(esgraph.url, BankStatsDocument, { consistentWith: position });

    const index = response.data?.bankStats.totals.findIndex((total) => total.currency === 'DKK') ?? -1;
    expect(response.data?.bankStats.totals[index]).toEqual({
      currency: 'DKK',
      balance: '0.00',
      deposited: '0.00',
      withdrawn: null,
      openAccounts: 1,
    });
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['bankStats', 'totals', index, 'withdrawn'],
        extensions: { code: 'READ_MODEL_UNREADABLE' },
        message: expect.stringContaining('"not a number" in DKK:withdrawn'),
      }),
    ]);
    await redis.hDel(space!.key('totals'), 'DKK:withdrawn');
  });
});
