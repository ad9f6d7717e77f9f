import { describe, it } from 'vitest';
import {
  accountClosed,
  accountOpened,
  closeAccount,
  given,
  moneyDeposited,
  moneyWithdrawn,
} from '../../support/bank.js';

describe('closing an account', () => {
  it('closes an account that never held money and records when', () =>
    given(accountOpened())
      .when(closeAccount({ now: '2024-07-01T00:00:00.000Z' }))
      .then(accountClosed({ closedAt: '2024-07-01T00:00:00.000Z' })));

  it('closes an account whose balance is back at zero', () =>
    given(accountOpened(), moneyDeposited('10.00'), moneyWithdrawn('10.00', '0.00'))
      .when(closeAccount())
      .then(accountClosed()));

  it('refuses to close an account that still holds money', () =>
    given(accountOpened(), moneyDeposited('0.01')).when(closeAccount()).thenFails('ACCOUNT_NOT_EMPTY'));

  it('refuses to close an account that does not exist', () =>
    given().when(closeAccount()).thenFails('ACCOUNT_NOT_FOUND'));

  it('refuses to close an account twice', () =>
    given(accountOpened(), accountClosed()).when(closeAccount()).thenFails('ACCOUNT_CLOSED'));
});
