import { describe, expect, it } from 'vitest';
import { BankStatsDocument } from '../../generated/graphql.js';
import { bankApi } from '../../support/bank-api.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { executeOk } from '../../support/graphql-client.js';

/** A small deterministic generator (mulberry32), so a failing run can be replayed from its seed. */
const randomFrom = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const cents = (minor: number): string => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

describe('bank statistics', () => {
  const esgraph = useTestEsgraph();
  const bank = bankApi(() => esgraph.url);

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
});
