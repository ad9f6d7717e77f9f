import { describe, it } from 'vitest';
import type { TransferCommand } from '../../../../src/domains/bank/transfers/transfer-commands.js';
import type { TransferEvent } from '../../../../src/domains/bank/transfers/transfer-events.js';
import {
  confirmTransferStep,
  failTransfer,
  givenTransfer,
  recordCredit,
  recordCreditRefused,
  recordDebit,
  recordRefund,
  requestTransfer,
  transferCompleted,
  transferCredited,
  transferCreditRefused,
  transferDebited,
  transferFailed,
  transferRefunded,
  transferRequested,
} from '../../../support/transfers.js';

const later = '2024-06-03T09:15:00.000Z';

/** Each place a transfer can be, as the events that lead there. */
const histories: Readonly<Record<string, readonly TransferEvent[]>> = {
  requested: [transferRequested()],
  debited: [transferRequested(), transferDebited()],
  'credit refused': [transferRequested(), transferDebited(), transferCreditRefused('ACCOUNT_CLOSED')],
  completed: [transferRequested(), transferDebited(), transferCredited(), transferCompleted()],
  'failed before its debit': [transferRequested(), transferFailed('INSUFFICIENT_FUNDS')],
  'failed and refunded': [
    transferRequested(),
    transferDebited(),
    transferCreditRefused('ACCOUNT_CLOSED'),
    transferRefunded(),
    transferFailed('ACCOUNT_CLOSED'),
  ],
};

const steps: Readonly<Record<string, TransferCommand>> = {
  'a debit': recordDebit(),
  'a refused debit': failTransfer('INSUFFICIENT_FUNDS'),
  'a credit': recordCredit(),
  'a refused credit': recordCreditRefused('ACCOUNT_CLOSED'),
  'a refund': recordRefund(),
  'a confirmation of its debit': confirmTransferStep('debit'),
  'a confirmation of its credit': confirmTransferStep('credit'),
};

describe('requesting a transfer', () => {
  it('records both accounts, the amount, the currency and when it was asked for', () =>
    givenTransfer()
      .when(requestTransfer({ amount: '12.34', currency: 'USD' }, later))
      .then(transferRequested({ amount: '12.34', currency: 'USD', occurredAt: later })));

  it('refuses a transfer from an account to itself with SAME_ACCOUNT', () =>
    givenTransfer()
      .when(requestTransfer({ fromAccountId: 'acc-1', toAccountId: 'acc-1' }))
      .thenFails('SAME_ACCOUNT'));

  it('decides nothing when asked again with the same terms', () =>
    givenTransfer(...histories.completed!)
      .when(requestTransfer({}, later))
      .then());

  it('refuses the same transfer id with other terms with TRANSFER_ALREADY_EXISTS', () =>
    givenTransfer(transferRequested())
      .when(requestTransfer({ amount: '10.01' }))
      .thenFails('TRANSFER_ALREADY_EXISTS'));

  it.each([
    [{ amount: '0' }, 'amount must be positive'],
    [{ amount: { minorUnits: 100_000_000_001 } }, 'amount is above the maximum'],
    [{ currency: 'euro' }, 'ISO-4217'],
    [{ transferId: 'a b' }, 'transferId'],
    [{ fromAccountId: '' }, 'fromAccountId'],
    [{ toAccountId: 'x/y' }, 'toAccountId'],
  ] as const)('rejects malformed input %j', (terms, message) =>
    givenTransfer().when(requestTransfer(terms)).thenRejectsInput(message),
  );
});

describe('a transfer’s steps, in order', () => {
  it('records the debit of the source account', () =>
    givenTransfer(transferRequested())
      .when(recordDebit({ now: later }))
      .then(transferDebited({ at: later })));

  it('fails a transfer whose debit was refused, with the refusal as its reason: nothing moved', () =>
    givenTransfer(transferRequested())
      .when(failTransfer('INSUFFICIENT_FUNDS', { now: later }))
      .then(transferFailed('INSUFFICIENT_FUNDS', { at: later })));

  it('completes the transfer with its credit, in the same decision', () =>
    givenTransfer(...histories.debited!)
      .when(recordCredit({ now: later }))
      .then(transferCredited({ at: later }), transferCompleted({ at: later })));

  it('records a refused credit with its reason, the transfer still pending its refund', () =>
    givenTransfer(...histories.debited!)
      .when(recordCreditRefused('CURRENCY_MISMATCH', { now: later }))
      .then(transferCreditRefused('CURRENCY_MISMATCH', { at: later })));

  it('fails the transfer with its refund, for the reason the credit was refused', () =>
    givenTransfer(transferRequested(), transferDebited(), transferCreditRefused('ACCOUNT_NOT_FOUND'))
      .when(recordRefund({ now: later }))
      .then(transferRefunded({ at: later }), transferFailed('ACCOUNT_NOT_FOUND', { at: later })));
});

/** What each step decides where the transfer is: `[]` for a repeat, a code for a refusal. */
const outcomes: readonly [place: string, step: string, outcome: 'repeat' | string][] = [
  ['debited', 'a debit', 'repeat'],
  ['debited', 'a refused debit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['debited', 'a refund', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['requested', 'a credit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['requested', 'a refused credit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['requested', 'a refund', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['credit refused', 'a debit', 'repeat'],
  ['credit refused', 'a refused credit', 'repeat'],
  ['credit refused', 'a credit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['credit refused', 'a refused debit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['completed', 'a debit', 'repeat'],
  ['completed', 'a credit', 'repeat'],
  ['completed', 'a refused debit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['completed', 'a refused credit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['completed', 'a refund', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['failed before its debit', 'a refused debit', 'repeat'],
  ['failed before its debit', 'a debit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['failed before its debit', 'a credit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['failed before its debit', 'a refused credit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['failed before its debit', 'a refund', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['failed and refunded', 'a debit', 'repeat'],
  ['failed and refunded', 'a refused debit', 'repeat'],
  ['failed and refunded', 'a refused credit', 'repeat'],
  ['failed and refunded', 'a refund', 'repeat'],
  ['failed and refunded', 'a credit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  // A confirmation decides nothing when the step is due; a settled transfer has none due.
  ['requested', 'a confirmation of its debit', 'repeat'],
  ['debited', 'a confirmation of its debit', 'repeat'],
  ['credit refused', 'a confirmation of its debit', 'repeat'],
  ['requested', 'a confirmation of its credit', 'TRANSFER_STEP_OUT_OF_ORDER'],
  ['debited', 'a confirmation of its credit', 'repeat'],
  ['credit refused', 'a confirmation of its credit', 'TRANSFER_CREDIT_REFUSED'],
  ...(['completed', 'failed before its debit', 'failed and refunded'] as const).flatMap((place) =>
    (['a confirmation of its debit', 'a confirmation of its credit'] as const).map((step): [string, string, string] => [
      place,
      step,
      'TRANSFER_SETTLED',
    ]),
  ),
];

describe('a step sent again, or out of order', () => {
  it.each(outcomes)('a transfer %s given %s: %s', (place, step, outcome) => {
    const decision = givenTransfer(...histories[place]!).when(steps[step]!);
    if (outcome === 'repeat') decision.then();
    else decision.thenFails(outcome);
  });

  it.each(Object.keys(steps))('refuses %s for a transfer nobody requested with TRANSFER_NOT_FOUND', (step) =>
    givenTransfer().when(steps[step]!).thenFails('TRANSFER_NOT_FOUND'),
  );

  it('rejects a reason that is not an error code, even for a transfer nobody requested', () => {
    givenTransfer().when(failTransfer('lower case')).thenRejectsInput('reason must be');
    givenTransfer(transferRequested()).when(failTransfer('not enough money')).thenRejectsInput('reason must be');
    givenTransfer(...histories.debited!)
      .when(recordCreditRefused(''))
      .thenRejectsInput('reason must be');
  });

  it('rejects a confirmation of a step other than debit or credit', () =>
    givenTransfer(transferRequested())
      .when(confirmTransferStep('refund' as never))
      .thenRejectsInput('step must be'));

  it('rejects a malformed transfer id before looking at the transfer', () =>
    givenTransfer()
      .when(recordDebit({ transferId: 'no spaces' }))
      .thenRejectsInput('transferId'));
});
