import { describe, it } from 'vitest';
import {
  accountCloseCancelled,
  accountClosed,
  accountCloseRequested,
  accountOpened,
  cancelAccountClose,
  closeAccount,
  completeAccountClose,
  creditForTransfer,
  debitForTransfer,
  deposit,
  given,
  moneyDeposited,
  moneyTransferredIn,
  moneyTransferredOut,
  moneyWithdrawn,
  refundTransfer,
  requestAccountClose,
  transferOutRefunded,
  withdraw,
} from '../../support/bank.js';

const later = '2024-06-01T00:00:00.000Z';
const funded = [accountOpened(), moneyDeposited('10.00')] as const;
const closing = [...funded, accountCloseRequested()] as const;

describe('requesting an account’s close', () => {
  it('closes an empty account at once', () =>
    given(accountOpened())
      .when(requestAccountClose({ now: later }))
      .then(accountClosed({ closedAt: later })));

  it('records a pending close on an account that holds money', () =>
    given(...funded)
      .when(requestAccountClose({ now: later }))
      .then(accountCloseRequested({ requestedAt: later })));

  it('refuses a second request while one is pending', () =>
    given(...closing)
      .when(requestAccountClose())
      .thenFails('ACCOUNT_CLOSING'));

  it('refuses a request for a closed or a missing account', () => {
    given(accountOpened(), accountClosed()).when(requestAccountClose()).thenFails('ACCOUNT_CLOSED');
    given().when(requestAccountClose()).thenFails('ACCOUNT_NOT_FOUND');
  });

  it('rejects an empty account id as input', () =>
    given()
      .when(requestAccountClose({ accountId: '' }))
      .thenRejectsInput('accountId'));
});

describe('an account with a close pending', () => {
  it('takes no deposit and no transfer’s credit', () => {
    given(...closing)
      .when(deposit('1.00'))
      .thenFails('ACCOUNT_CLOSING');
    given(...closing)
      .when(creditForTransfer('1.00'))
      .thenFails('ACCOUNT_CLOSING');
  });

  it('marks a withdrawal and a transfer’s debit for the close process', () => {
    given(...closing)
      .when(withdraw('4.00'))
      .then(moneyWithdrawn('4.00', '6.00', { closePending: true }));
    given(...closing)
      .when(debitForTransfer('10.00'))
      .then(moneyTransferredOut('10.00', '0.00', { closePending: true }));
  });

  it('marks no money out once the request is called off, and takes deposits again', () => {
    const cancelled = [...closing, accountCloseCancelled()] as const;
    given(...cancelled)
      .when(withdraw('4.00'))
      .then(moneyWithdrawn('4.00', '6.00'));
    given(...cancelled)
      .when(deposit('1.00'))
      .then(moneyDeposited('1.00', '11.00'));
  });

  it('still takes the refund of a transfer out', () =>
    given(...closing, moneyTransferredOut('4.00', '6.00', { closePending: true }))
      .when(refundTransfer('4.00'))
      .then(transferOutRefunded('4.00', '10.00')));

  it('keeps a credit the account recorded before the request as done', () =>
    given(accountOpened(), moneyTransferredIn('10.00'), accountCloseRequested())
      .when(creditForTransfer('10.00'))
      .then());
});

describe('cancelling a pending close', () => {
  it('calls the request off', () =>
    given(...closing)
      .when(cancelAccountClose({ now: later }))
      .then(accountCloseCancelled({ cancelledAt: later })));

  it('refuses when no close is pending', () => {
    given(...funded)
      .when(cancelAccountClose())
      .thenFails('CLOSE_NOT_REQUESTED');
    given(...closing, accountCloseCancelled())
      .when(cancelAccountClose())
      .thenFails('CLOSE_NOT_REQUESTED');
  });

  it('refuses once the account is closed', () =>
    given(...closing, moneyWithdrawn('10.00', '0.00', { closePending: true }), accountClosed())
      .when(cancelAccountClose())
      .thenFails('ACCOUNT_CLOSED'));
});

describe('completing a requested close', () => {
  const emptied = [...closing, moneyWithdrawn('10.00', '0.00', { closePending: true })] as const;

  it('closes the account once it is empty', () =>
    given(...emptied)
      .when(completeAccountClose({ now: later }))
      .then(accountClosed({ closedAt: later })));

  it('records nothing once the account is closed: sent again, it closes it once', () =>
    given(...emptied, accountClosed())
      .when(completeAccountClose())
      .then());

  it('records nothing when the request was called off', () =>
    given(...emptied, accountCloseCancelled())
      .when(completeAccountClose())
      .then());

  it('records nothing when money came back in since', () =>
    given(
      ...closing,
      moneyTransferredOut('10.00', '0.00', { closePending: true }),
      transferOutRefunded('10.00', '10.00'),
    )
      .when(completeAccountClose())
      .then());

  it('records nothing for an empty account nobody asked to close', () =>
    given(accountOpened()).when(completeAccountClose()).then());

  it('refuses for an account that does not exist', () =>
    given().when(completeAccountClose()).thenFails('ACCOUNT_NOT_FOUND'));

  it('leaves a plain close of an empty account with a close pending as it was', () =>
    given(...emptied)
      .when(closeAccount())
      .then(accountClosed()));
});
