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
  const steps = transferSteps(transferRequested({ amount: '10.00' }));
  const [confirmDebit, debit, , confirmCredit, credit] = steps;
  const transfer = { transferId: testTransferId };
  const money = { ...transfer, amount: 1000 };
  const refundAndRecord = [
    { on: 'account', type: 'RefundTransfer', data: { ...money, accountId: testFromAccountId }, failurePath: false },
    { on: 'transfer', type: 'RecordRefund', data: transfer, failurePath: false },
  ];

  it('takes each account step once the transfer confirms it is due, and records it after', () =>
    expect(shown(steps)).toEqual([
      { on: 'transfer', type: 'ConfirmTransferStep', data: { ...transfer, step: 'debit' }, failurePath: true },
      { on: 'account', type: 'DebitForTransfer', data: { ...money, accountId: testFromAccountId }, failurePath: true },
      { on: 'transfer', type: 'RecordDebit', data: transfer, failurePath: false },
      { on: 'transfer', type: 'ConfirmTransferStep', data: { ...transfer, step: 'credit' }, failurePath: true },
      {
        on: 'account',
        type: 'CreditForTransfer',
        data: { ...money, accountId: testToAccountId, currency: 'EUR' },
        failurePath: true,
      },
      { on: 'transfer', type: 'RecordCredit', data: transfer, failurePath: false },
    ]));

  it.each(['INSUFFICIENT_FUNDS', 'ACCOUNT_CLOSED', 'ACCOUNT_NOT_FOUND'])(
    'fails the transfer with %s when the debit is refused with it',
    (code) =>
      expect(shown(debit!.onRefused!(refused(code)))).toEqual([
        { on: 'transfer', type: 'FailTransfer', data: { ...transfer, reason: code }, failurePath: false },
      ]),
  );

  it.each(['ACCOUNT_CLOSED', 'ACCOUNT_CLOSING', 'CURRENCY_MISMATCH', 'ACCOUNT_NOT_FOUND', 'BALANCE_LIMIT_EXCEEDED'])(
    'records a credit refused with %s, refunds the source and records the refund',
    (code) =>
      expect(shown(credit!.onRefused!(refused(code)))).toEqual([
        { on: 'transfer', type: 'RecordCreditRefused', data: { ...transfer, reason: code }, failurePath: false },
        ...refundAndRecord,
      ]),
  );

  it('sends nothing more for a transfer that settled already (a replay)', () => {
    expect(confirmDebit!.onRefused!(refused('TRANSFER_SETTLED'))).toEqual([]);
    expect(confirmCredit!.onRefused!(refused('TRANSFER_SETTLED'))).toEqual([]);
  });

  it('refunds, without crediting again, a transfer whose credit was refused already (a replay)', () =>
    expect(shown(confirmCredit!.onRefused!(refused('TRANSFER_CREDIT_REFUSED')))).toEqual(refundAndRecord));

  // A record refused (TRANSFER_STEP_OUT_OF_ORDER) has no failure path at all (above): the event
  // is parked. So are a contradiction on an account and any other refusal of a confirmation.
  it('parks rather than fails a transfer an account recorded otherwise (TRANSFER_MISMATCH)', () => {
    expect(() => debit!.onRefused!(refused('TRANSFER_MISMATCH'))).toThrow(DomainError);
    expect(() => credit!.onRefused!(refused('TRANSFER_MISMATCH'))).toThrow(DomainError);
    expect(() => confirmCredit!.onRefused!(refused('TRANSFER_STEP_OUT_OF_ORDER'))).toThrow(DomainError);
  });
});
