import { describe, expect, it } from 'vitest';
import { DomainError, type ProcessStep } from '../../../../src/core/index.js';
import { accountAggregate } from '../../../../src/domains/bank/account-aggregate.js';
import { transferAggregate } from '../../../../src/domains/bank/transfers/transfer-aggregate.js';
import { transferSteps } from '../../../../src/domains/bank/transfers/transfer-process.js';
import { testTransferId } from '../../../support/bank.js';
import { testFromAccountId, testToAccountId, transferRequested } from '../../../support/transfers.js';

/*
 * The transfers' process manager's reaction, as data: which command goes to which aggregate, in
 * which order, and what each refusal for good leads to. That it runs, through a server: the
 * integration test transfer-process.test.ts.
 */

const shown = (steps: readonly ProcessStep[]) =>
  steps.map(({ aggregate, command, onRefused }) => ({
    on: aggregate === accountAggregate ? 'account' : aggregate === transferAggregate ? 'transfer' : 'other',
    type: command.type,
    data: command.data,
    failurePath: onRefused !== undefined,
  }));

const refused = (code: string) => new DomainError(code, `refused: ${code}`);

describe('the transfers’ process manager', () => {
  const [debit, recordDebit, credit, recordCredit] = transferSteps(transferRequested({ amount: '10.00' }));
  const money = { transferId: testTransferId, amount: 1000 };

  it('debits the source, records it, credits the target and records it, in that order', () =>
    expect(shown([debit!, recordDebit!, credit!, recordCredit!])).toEqual([
      { on: 'account', type: 'DebitForTransfer', data: { ...money, accountId: testFromAccountId }, failurePath: true },
      { on: 'transfer', type: 'RecordDebit', data: { transferId: testTransferId }, failurePath: false },
      {
        on: 'account',
        type: 'CreditForTransfer',
        data: { ...money, accountId: testToAccountId, currency: 'EUR' },
        failurePath: true,
      },
      { on: 'transfer', type: 'RecordCredit', data: { transferId: testTransferId }, failurePath: false },
    ]));

  it.each(['INSUFFICIENT_FUNDS', 'ACCOUNT_CLOSED', 'ACCOUNT_NOT_FOUND'])(
    'fails the transfer with %s when the debit is refused with it',
    (code) =>
      expect(shown(debit!.onRefused!(refused(code)))).toEqual([
        {
          on: 'transfer',
          type: 'FailTransfer',
          data: { transferId: testTransferId, reason: code },
          failurePath: false,
        },
      ]),
  );

  it.each(['ACCOUNT_CLOSED', 'CURRENCY_MISMATCH', 'ACCOUNT_NOT_FOUND', 'BALANCE_LIMIT_EXCEEDED'])(
    'records a credit refused with %s, refunds the source and records the refund',
    (code) =>
      expect(shown(credit!.onRefused!(refused(code)))).toEqual([
        {
          on: 'transfer',
          type: 'RecordCreditRefused',
          data: { transferId: testTransferId, reason: code },
          failurePath: false,
        },
        { on: 'account', type: 'RefundTransfer', data: { ...money, accountId: testFromAccountId }, failurePath: false },
        { on: 'transfer', type: 'RecordRefund', data: { transferId: testTransferId }, failurePath: false },
      ]),
  );

  // A step recorded out of order (TRANSFER_STEP_OUT_OF_ORDER) has no failure path at all (above):
  // the event is parked, as is a contradiction on an account, which fails nothing.
  it('parks rather than fails a transfer an account recorded otherwise (TRANSFER_MISMATCH)', () => {
    expect(() => debit!.onRefused!(refused('TRANSFER_MISMATCH'))).toThrow(DomainError);
    expect(() => credit!.onRefused!(refused('TRANSFER_MISMATCH'))).toThrow(DomainError);
  });
});
