import { describe, expect, it } from 'vitest';
import { UnreadableReadModelError } from '../../../../src/core/errors.js';
import { hIncrBy } from '../../../../src/core/projections/projection.js';
import { bankStatsProjection, decodeBankTotals } from '../../../../src/domains/bank/projections/bank-stats.js';
import {
  accountClosed,
  accountOpened,
  moneyDeposited,
  moneyTransferredIn,
  moneyTransferredOut,
  moneyWithdrawn,
  transferOutRefunded,
} from '../../../support/bank.js';
import { inLog, projectionSpecification } from '../../../support/bank-projections.js';

const given = projectionSpecification(bankStatsProjection);

describe('the bank-stats projection', () => {
  it('counts an opened account in its currency and in the total', () =>
    given(...inLog(accountOpened({ currency: 'USD' }))).then(
      hIncrBy('totals', 'USD:openAccounts', 1),
      hIncrBy('totals', 'openAccounts', 1),
    ));

  it('adds a deposit to the balance and to what was deposited', () =>
    given(...inLog(moneyDeposited('10.00', '10.00', { currency: 'USD' }))).then(
      hIncrBy('totals', 'USD:balance', 1000),
      hIncrBy('totals', 'USD:deposited', 1000),
    ));

  it('takes a withdrawal off the balance and adds it to what was withdrawn', () =>
    given(...inLog(moneyWithdrawn('0.25', '9.75'))).then(
      hIncrBy('totals', 'EUR:balance', -25),
      hIncrBy('totals', 'EUR:withdrawn', 25),
    ));

  it('puts a transfer’s debit in transit and leaves the balance, deposits and withdrawals as they are', () =>
    given(...inLog(moneyTransferredOut('4.00', '6.00', { currency: 'USD' }))).then(
      hIncrBy('totals', 'USD:inTransit', 400),
    ));

  it('takes a transfer’s credit out of transit and counts it as transferred', () =>
    given(...inLog(moneyTransferredIn('4.00', '4.00', { currency: 'USD' }))).then(
      hIncrBy('totals', 'USD:inTransit', -400),
      hIncrBy('totals', 'USD:transferred', 400),
    ));

  it('takes a transfer’s refund out of transit', () =>
    given(...inLog(transferOutRefunded('4.00', '10.00'))).then(hIncrBy('totals', 'EUR:inTransit', -400)));

  it('no longer counts a closed account as open', () =>
    given(...inLog(accountClosed({ currency: 'GBP' }))).then(
      hIncrBy('totals', 'GBP:openAccounts', -1),
      hIncrBy('totals', 'openAccounts', -1),
    ));

  it('counts a closing recorded without a currency in the total only', () =>
    given(...inLog(accountClosed({ currency: undefined }))).then(hIncrBy('totals', 'openAccounts', -1)));
});

describe('bank totals read back', () => {
  it('list every currency an account was opened in, by code, with zeros where nothing moved', () =>
    expect(
      decodeBankTotals({
        'USD:openAccounts': '1',
        'EUR:openAccounts': '0',
        'EUR:balance': '150',
        'EUR:deposited': '200',
        'EUR:withdrawn': '50',
        'EUR:inTransit': '30',
        'EUR:transferred': '70',
        openAccounts: '1',
      }),
    ).toEqual({
      totals: [
        {
          currency: 'EUR',
          balance: 150n,
          deposited: 200n,
          withdrawn: 50n,
          inTransit: 30n,
          transferred: 70n,
          openAccounts: 0n,
        },
        {
          currency: 'USD',
          balance: 0n,
          deposited: 0n,
          withdrawn: 0n,
          inTransit: 0n,
          transferred: 0n,
          openAccounts: 1n,
        },
      ],
      openAccounts: 1n,
    }));

  it('are all zero before anything was projected', () =>
    expect(decodeBankTotals({})).toEqual({ totals: [], openAccounts: 0n }));

  it('are exact above 2^53 and up to the ends of the signed 64-bit range Redis integers hold', () => {
    const decoded = decodeBankTotals({
      'EUR:openAccounts': '2',
      'EUR:balance': String(2n ** 53n + 1n),
      'EUR:deposited': '9223372036854775807',
      'EUR:withdrawn': '9223372036854775806',
      openAccounts: '2',
    });
    expect(decoded.totals[0]).toEqual({
      currency: 'EUR',
      balance: 9_007_199_254_740_993n,
      deposited: 2n ** 63n - 1n,
      withdrawn: 2n ** 63n - 2n,
      inTransit: 0n,
      transferred: 0n,
      openAccounts: 2n,
    });
    expect(
      decodeBankTotals({ 'EUR:openAccounts': '0', 'EUR:balance': '-9223372036854775808' }).totals[0]?.balance,
    ).toBe(-(2n ** 63n));
  });

  it('turn a field that is not an integer into an error of that field alone', () => {
    const decoded = decodeBankTotals({ 'EUR:openAccounts': '1', 'EUR:balance': '12.5', 'EUR:deposited': '0x10' });
    const [eur] = decoded.totals;
    expect(eur?.balance).toBeInstanceOf(UnreadableReadModelError);
    expect(String(eur?.balance)).toContain('"12.5" in EUR:balance');
    expect(eur?.deposited).toBeInstanceOf(UnreadableReadModelError);
    expect(eur?.withdrawn).toBe(0n);
    expect(eur?.openAccounts).toBe(1n);
  });
});
