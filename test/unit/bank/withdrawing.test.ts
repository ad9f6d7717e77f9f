import { describe, it } from 'vitest';
import { accountClosed, accountOpened, given, moneyDeposited, moneyWithdrawn, withdraw } from '../../support/bank.js';

describe('withdrawing money', () => {
  it('records the amount, the balance after it, the currency and when it happened', () =>
    given(accountOpened({ currency: 'JPY' }), moneyDeposited('10.00', '10.00', { currency: 'JPY' }))
      .when(withdraw('2.50', { now: '2024-06-03T09:15:00.000Z' }))
      .then(moneyWithdrawn('2.50', '7.50', { currency: 'JPY', at: '2024-06-03T09:15:00.000Z' })));

  it('subtracts from the balance left by earlier movements', () =>
    given(accountOpened(), moneyDeposited('10.00'), moneyWithdrawn('0.01', '9.99'), moneyDeposited('0.02', '10.01'))
      .when(withdraw('10.00'))
      .then(moneyWithdrawn('10.00', '0.01')));

  it('empties the account when the amount equals the balance', () =>
    given(accountOpened(), moneyDeposited('10.00')).when(withdraw('10.00')).then(moneyWithdrawn('10.00', '0.00')));

  it('rejects an amount above the balance', () =>
    given(accountOpened(), moneyDeposited('10.00')).when(withdraw('10.01')).thenFails('INSUFFICIENT_FUNDS'));

  it('rejects any withdrawal from an empty account', () =>
    given(accountOpened()).when(withdraw('0.01')).thenFails('INSUFFICIENT_FUNDS'));

  it('refuses a withdrawal from an account that does not exist', () =>
    given().when(withdraw('1.00')).thenFails('ACCOUNT_NOT_FOUND'));

  it('refuses a withdrawal from a closed account', () =>
    given(accountOpened(), accountClosed()).when(withdraw('1.00')).thenFails('ACCOUNT_CLOSED'));

  it('rejects a zero amount', () =>
    given(accountOpened(), moneyDeposited('10.00')).when(withdraw('0')).thenRejectsInput('amount must be positive'));

  it('rejects a negative amount', () =>
    given(accountOpened(), moneyDeposited('10.00'))
      .when(withdraw({ minorUnits: -1 }))
      .thenRejectsInput('amount must be positive; got -0.01'));

  it('rejects an amount that is not a safe integer of minor units', () =>
    given(accountOpened())
      .when(withdraw({ minorUnits: Number.NaN }))
      .thenRejectsInput('amount must be a whole number of minor units; got NaN'));

  it('rejects an amount above the per-command maximum before comparing it with the balance', () =>
    given(accountOpened())
      .when(withdraw({ minorUnits: 100_000_000_001 }))
      .thenRejectsInput('amount is above the maximum of 1000000000.00 per command'));
});
