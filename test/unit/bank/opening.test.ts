import { describe, it } from 'vitest';
import { accountClosed, accountOpened, given, openAccount } from '../../support/bank.js';

describe('opening an account', () => {
  it('records the owner, the currency and when it opened', () =>
    given()
      .when(openAccount({ accountId: 'acc-7', ownerId: 'owner-3', currency: 'USD' }, '2024-06-01T08:30:00.000Z'))
      .then(
        accountOpened({
          accountId: 'acc-7',
          ownerId: 'owner-3',
          currency: 'USD',
          openedAt: '2024-06-01T08:30:00.000Z',
        }),
      ));

  it('refuses to open an account that is already open', () =>
    given(accountOpened()).when(openAccount()).thenFails('ACCOUNT_ALREADY_EXISTS'));

  it('refuses to reopen a closed account', () =>
    given(accountOpened(), accountClosed()).when(openAccount()).thenFails('ACCOUNT_ALREADY_EXISTS'));

  it('refuses to open an account again even for another owner or currency', () =>
    given(accountOpened())
      .when(openAccount({ ownerId: 'owner-2', currency: 'GBP' }))
      .thenFails('ACCOUNT_ALREADY_EXISTS'));

  it.each([
    ['lower-case letters', 'eur'],
    ['two letters', 'EU'],
    ['four letters', 'EURO'],
    ['digits', '978'],
    ['surrounding spaces', ' EUR'],
    ['letters outside A-Z', 'ÉUR'],
    ['nothing', ''],
  ])('rejects a currency code made of %s', (_, currency) =>
    given()
      .when(openAccount({ currency }))
      .thenRejectsInput(
        `currency must be an ISO-4217 code of exactly 3 upper-case letters A-Z, such as "EUR"; got ${JSON.stringify(currency)}`,
      ),
  );

  it('rejects an invalid currency before looking at whether the account exists', () =>
    given(accountOpened())
      .when(openAccount({ currency: 'eur' }))
      .thenRejectsInput('currency must be'));

  it('rejects an empty account id', () =>
    given()
      .when(openAccount({ accountId: '' }))
      .thenRejectsInput('accountId must not be empty'));

  it('rejects an account id that could not be part of a stream name', () =>
    given()
      .when(openAccount({ accountId: 'acc 1/2' }))
      .thenRejectsInput('accountId must be 1-64 characters'));

  it('rejects an account id longer than 64 characters', () =>
    given()
      .when(openAccount({ accountId: 'a'.repeat(65) }))
      .thenRejectsInput('accountId must be 1-64 characters'));

  it('rejects an empty owner id', () =>
    given()
      .when(openAccount({ ownerId: '' }))
      .thenRejectsInput('ownerId must not be empty'));
});
