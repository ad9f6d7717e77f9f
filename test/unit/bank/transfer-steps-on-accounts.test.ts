import { describe, expect, it } from 'vitest';
import { foldAccount } from '../../../src/domains/bank/account.js';
import { maxRememberedTransfers } from '../../../src/domains/bank/account-state.js';
import {
  accountClosed,
  accountOpened,
  creditForTransfer,
  debitForTransfer,
  given,
  moneyDeposited,
  moneyTransferredIn,
  moneyTransferredOut,
  moneyWithdrawn,
  refundTransfer,
  transferOutRefunded,
} from '../../support/bank.js';

const later = '2024-06-03T09:15:00.000Z';

/** An account of 10.00 that paid 4.00 out for transfer tr-1; then got it back. */
const debited = [accountOpened(), moneyDeposited('10.00'), moneyTransferredOut('4.00', '6.00')];
const refunded = [...debited, transferOutRefunded('4.00', '10.00')];

describe('debiting an account for a transfer', () => {
  it('records the transfer, the amount, the balance after it, the currency and when it happened', () =>
    given(accountOpened({ currency: 'JPY' }), moneyDeposited('10.00', '10.00', { currency: 'JPY' }))
      .when(debitForTransfer('2.50', { now: later }))
      .then(moneyTransferredOut('2.50', '7.50', { currency: 'JPY', at: later })));

  it('empties the account when the amount equals the balance', () =>
    given(accountOpened(), moneyDeposited('10.00'))
      .when(debitForTransfer('10.00'))
      .then(moneyTransferredOut('10.00', '0.00')));

  it('rejects an amount above the balance', () =>
    given(accountOpened(), moneyDeposited('10.00')).when(debitForTransfer('10.01')).thenFails('INSUFFICIENT_FUNDS'));

  it('refuses an account that does not exist, and a closed one', () => {
    given().when(debitForTransfer('1.00')).thenFails('ACCOUNT_NOT_FOUND');
    given(accountOpened(), accountClosed()).when(debitForTransfer('1.00')).thenFails('ACCOUNT_CLOSED');
  });

  it('debits each transfer once: the same debit again decides nothing', () =>
    given(...debited)
      .when(debitForTransfer('4.00'))
      .then());

  it('does not debit again a transfer it has refunded', () =>
    given(...refunded)
      .when(debitForTransfer('4.00'))
      .then());

  it('answers a debit done before the account closed as done, not as refused', () =>
    given(accountOpened(), moneyDeposited('4.00'), moneyTransferredOut('4.00', '0.00'), accountClosed())
      .when(debitForTransfer('4.00'))
      .then());

  it('debits another transfer of the same amount', () =>
    given(...debited)
      .when(debitForTransfer('4.00', { transferId: 'tr-2' }))
      .then(moneyTransferredOut('4.00', '2.00', { transferId: 'tr-2' })));

  it('refuses with TRANSFER_MISMATCH a debit of another amount for a transfer it debited', () =>
    given(...debited)
      .when(debitForTransfer('5.00'))
      .thenFails('TRANSFER_MISMATCH'));

  it('refuses with TRANSFER_MISMATCH a debit of a transfer it received', () =>
    given(accountOpened(), moneyTransferredIn('4.00')).when(debitForTransfer('4.00')).thenFails('TRANSFER_MISMATCH'));

  it('rejects malformed input whatever state the account is in', () => {
    given().when(debitForTransfer('0')).thenRejectsInput('amount must be positive');
    given(accountOpened(), moneyDeposited('1.00'))
      .when(debitForTransfer('1.00', { transferId: 'no spaces' }))
      .thenRejectsInput('transferId');
  });
});

describe('crediting an account for a transfer', () => {
  it('records the transfer, the amount and the balance after it', () =>
    given(accountOpened(), moneyDeposited('1.00'))
      .when(creditForTransfer('2.50', { now: later }))
      .then(moneyTransferredIn('2.50', '3.50', { at: later })));

  it('refuses an account that does not exist, and a closed one', () => {
    given().when(creditForTransfer('1.00')).thenFails('ACCOUNT_NOT_FOUND');
    given(accountOpened(), accountClosed()).when(creditForTransfer('1.00')).thenFails('ACCOUNT_CLOSED');
  });

  it('refuses with CURRENCY_MISMATCH an account of another currency', () =>
    given(accountOpened({ currency: 'USD' }))
      .when(creditForTransfer('1.00'))
      .thenFails('CURRENCY_MISMATCH'));

  it('rejects a currency that is not an ISO-4217 code', () =>
    given(accountOpened())
      .when(creditForTransfer('1.00', { currency: 'eur' }))
      .thenRejectsInput('ISO-4217'));

  it('refuses a credit that would take the balance past the largest it can hold', () =>
    given(accountOpened(), moneyDeposited({ minorUnits: Number.MAX_SAFE_INTEGER }))
      .when(creditForTransfer('0.01'))
      .thenFails('BALANCE_LIMIT_EXCEEDED'));

  it('credits each transfer once: the same credit again decides nothing, even once the account closed', () => {
    given(accountOpened(), moneyTransferredIn('4.00')).when(creditForTransfer('4.00')).then();
    given(accountOpened(), moneyTransferredIn('4.00'), moneyWithdrawn('4.00', '0.00'), accountClosed())
      .when(creditForTransfer('4.00'))
      .then();
  });

  it('refuses with TRANSFER_MISMATCH a credit of another amount, or of a transfer it paid out', () => {
    given(accountOpened(), moneyTransferredIn('4.00')).when(creditForTransfer('4.01')).thenFails('TRANSFER_MISMATCH');
    given(accountOpened(), moneyDeposited('5.00'), moneyTransferredOut('4.00', '1.00'))
      .when(creditForTransfer('4.00'))
      .thenFails('TRANSFER_MISMATCH');
  });
});

describe('refunding a transfer to its source account', () => {
  it('gives the debited amount back, with the balance after it', () =>
    given(accountOpened(), moneyDeposited('10.00'), moneyTransferredOut('4.00', '6.00'), moneyWithdrawn('1.00', '5.00'))
      .when(refundTransfer('4.00', { now: later }))
      .then(transferOutRefunded('4.00', '9.00', { at: later })));

  it('refunds each transfer once: the same refund again decides nothing', () =>
    given(...refunded)
      .when(refundTransfer('4.00'))
      .then());

  it('refuses with TRANSFER_NOT_DEBITED a transfer the account never paid out: no money from nothing', () =>
    given(accountOpened(), moneyDeposited('10.00')).when(refundTransfer('4.00')).thenFails('TRANSFER_NOT_DEBITED'));

  it('refuses with TRANSFER_MISMATCH a refund of another amount, or of a transfer it received', () => {
    given(...debited)
      .when(refundTransfer('4.50'))
      .thenFails('TRANSFER_MISMATCH');
    given(accountOpened(), moneyTransferredIn('4.00')).when(refundTransfer('4.00')).thenFails('TRANSFER_MISMATCH');
  });

  it('refuses an account that does not exist', () =>
    given().when(refundTransfer('1.00')).thenFails('ACCOUNT_NOT_FOUND'));

  it('gives the money back to a source closed while its transfer was under way, which then holds it', () => {
    const history = [accountOpened(), moneyDeposited('4.00'), moneyTransferredOut('4.00', '0.00'), accountClosed()];
    given(...history)
      .when(refundTransfer('4.00'))
      .then(transferOutRefunded('4.00', '4.00'));
    expect(foldAccount([...history, transferOutRefunded('4.00', '4.00')])).toMatchObject({
      status: 'closed',
      balance: 400,
    });
  });
});

describe('the transfers an account remembers', () => {
  it('are the last ones it moved money for, the oldest forgotten first', () => {
    const transfers = Array.from({ length: maxRememberedTransfers + 1 }, (_, n) =>
      moneyTransferredIn('0.01', { minorUnits: n + 1 }, { transferId: `tr-${n}` }),
    );
    const state = foldAccount([accountOpened(), ...transfers]);
    expect(state).toMatchObject({ balance: maxRememberedTransfers + 1 });
    if (state.status === 'new') throw new Error('the account is open');
    expect(state.transfers.size).toBe(maxRememberedTransfers);
    expect(state.transfers.has('tr-0')).toBe(false);
    expect(state.transfers.get(`tr-${maxRememberedTransfers}`)).toEqual({ part: 'credited', amount: 1 });
  });

  it('take the balance each movement recorded, and ignore movements before the opening', () =>
    expect(
      foldAccount([moneyTransferredIn('1.00'), accountOpened(), moneyTransferredIn('2.00', '2.50')]),
    ).toMatchObject({
      balance: 250,
    }));
});
