import { describe, it } from 'vitest';
import { accountClosed, accountOpened, deposit, given, moneyDeposited, moneyWithdrawn } from '../../support/bank.js';

describe('depositing money', () => {
  it('records the amount, the balance after it, the currency and when it happened', () =>
    given(accountOpened({ currency: 'CHF' }))
      .when(deposit('12.50', { now: '2024-06-02T12:00:00.000Z' }))
      .then(moneyDeposited('12.50', '12.50', { currency: 'CHF', at: '2024-06-02T12:00:00.000Z' })));

  it('records where the money came from when the client says', () =>
    given(accountOpened())
      .when(deposit('5.00', { source: 'cash' }))
      .then(moneyDeposited('5.00', '5.00', { source: 'cash' })));

  it('records the source as unspecified when the client names none', () =>
    given(accountOpened())
      .when(deposit('5.00'))
      .then(moneyDeposited('5.00', '5.00', { source: 'unspecified' })));

  it.each([
    ['blank', '  '],
    ['longer than 100 characters', 'x'.repeat(101)],
  ])('rejects a source that is %s', (_what, source) =>
    given(accountOpened()).when(deposit('5.00', { source })).thenRejectsInput('source must be 1 to 100 characters'),
  );

  it('adds to the balance left by earlier deposits and withdrawals', () =>
    given(accountOpened(), moneyDeposited('10.00'), moneyDeposited('0.05', '10.05'), moneyWithdrawn('3.00', '7.05'))
      .when(deposit('0.95'))
      .then(moneyDeposited('0.95', '8.00')));

  it('rejects a malformed account id before looking at the account', () =>
    given()
      .when(deposit('1.00', { accountId: 'not an id' }))
      .thenRejectsInput('accountId must be 1-64 characters'));

  it('accepts the largest amount allowed per command', () =>
    given(accountOpened()).when(deposit('1000000000.00')).then(moneyDeposited('1000000000.00')));

  it('fills the balance up to the largest safe integer of minor units', () =>
    given(accountOpened(), moneyDeposited({ minorUnits: Number.MAX_SAFE_INTEGER - 5 }))
      .when(deposit('0.05'))
      .then(moneyDeposited('0.05', { minorUnits: Number.MAX_SAFE_INTEGER })));

  it('refuses a deposit that would take the balance past the largest safe integer', () =>
    given(accountOpened(), moneyDeposited({ minorUnits: Number.MAX_SAFE_INTEGER - 5 }))
      .when(deposit('0.06'))
      .thenFails('BALANCE_LIMIT_EXCEEDED'));

  it('refuses a deposit into an account that does not exist', () =>
    given().when(deposit('10.00')).thenFails('ACCOUNT_NOT_FOUND'));

  it('refuses a deposit into a closed account', () =>
    given(accountOpened(), accountClosed()).when(deposit('10.00')).thenFails('ACCOUNT_CLOSED'));

  it('rejects a zero amount', () =>
    given(accountOpened()).when(deposit('0.00')).thenRejectsInput('amount must be positive; got 0.00'));

  it('rejects a negative amount', () =>
    given(accountOpened())
      .when(deposit({ minorUnits: -500 }))
      .thenRejectsInput('amount must be positive; got -5.00'));

  it('rejects a fraction of a minor unit', () =>
    given(accountOpened())
      .when(deposit({ minorUnits: 12.5 }))
      .thenRejectsInput('amount must be a whole number of minor units; got 12.5'));

  it('rejects an amount above the per-command maximum', () =>
    given(accountOpened())
      .when(deposit('1000000000.01'))
      .thenRejectsInput('amount is above the maximum of 1000000000.00 per command'));

  it('rejects a malformed amount even when the account does not exist', () =>
    given()
      .when(deposit({ minorUnits: 0 }))
      .thenRejectsInput('amount must be positive'));
});
