import { describe, expect, it } from 'vitest';
import { hIncrBy } from '../../../../src/core/projections/projection.js';
import { bankStatsProjection, decodeBankTotals } from '../../../../src/domains/bank/projections/bank-stats.js';
import { accountClosed, accountOpened, moneyDeposited, moneyWithdrawn } from '../../../support/bank.js';
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
        openAccounts: '1',
      }),
    ).toEqual({
      totals: [
        { currency: 'EUR', balance: 150, deposited: 200, withdrawn: 50, openAccounts: 0 },
        { currency: 'USD', balance: 0, deposited: 0, withdrawn: 0, openAccounts: 1 },
      ],
      openAccounts: 1,
    }));

  it('are all zero before anything was projected', () =>
    expect(decodeBankTotals({})).toEqual({ totals: [], openAccounts: 0 }));
});
