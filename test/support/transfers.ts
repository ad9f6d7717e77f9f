import { transferDecider } from '../../src/domains/bank/transfers/transfer.js';
import type {
  AccountStep,
  ConfirmTransferStep,
  FailTransfer,
  RecordCredit,
  RecordCreditRefused,
  RecordDebit,
  RecordRefund,
  RequestTransfer,
} from '../../src/domains/bank/transfers/transfer-commands.js';
import type {
  TransferCompleted,
  TransferCredited,
  TransferCreditRefused,
  TransferDebited,
  TransferFailed,
  TransferRefunded,
  TransferRequested,
} from '../../src/domains/bank/transfers/transfer-events.js';
import { type Amount, commandMetadata, minorUnits, testCurrency, testNow, testTransferId } from './bank.js';
import { deciderSpecification } from './decider-spec.js';

/*
 * Builders for transfer events and commands, with the defaults of test/support/bank.ts: transfer
 * tr-1 of 10.00 EUR from acc-1 to acc-2, every step at testNow unless `at`/`now` says otherwise.
 */

export const testFromAccountId = 'acc-1';
export const testToAccountId = 'acc-2';
export const testTransferAmount = '10.00';

export const givenTransfer = deciderSpecification(transferDecider);

interface StepOptions {
  readonly transferId?: string;
  readonly at?: string;
}

const step = (options: StepOptions) => ({
  transferId: options.transferId ?? testTransferId,
  occurredAt: options.at ?? testNow,
});

export const transferRequested = (
  terms: Partial<Omit<TransferRequested['data'], 'amount'>> & { readonly amount?: Amount } = {},
): TransferRequested => ({
  type: 'TransferRequested',
  data: {
    transferId: testTransferId,
    fromAccountId: testFromAccountId,
    toAccountId: testToAccountId,
    currency: testCurrency,
    occurredAt: testNow,
    ...terms,
    amount: minorUnits(terms.amount ?? testTransferAmount),
  },
});

export const transferDebited = (options: StepOptions & { readonly amount?: Amount } = {}): TransferDebited => ({
  type: 'TransferDebited',
  data: { ...step(options), accountId: testFromAccountId, amount: minorUnits(options.amount ?? testTransferAmount) },
});

export const transferCredited = (options: StepOptions & { readonly amount?: Amount } = {}): TransferCredited => ({
  type: 'TransferCredited',
  data: { ...step(options), accountId: testToAccountId, amount: minorUnits(options.amount ?? testTransferAmount) },
});

export const transferCreditRefused = (reason = 'ACCOUNT_CLOSED', options: StepOptions = {}): TransferCreditRefused => ({
  type: 'TransferCreditRefused',
  data: { ...step(options), reason },
});

export const transferRefunded = (options: StepOptions & { readonly amount?: Amount } = {}): TransferRefunded => ({
  type: 'TransferRefunded',
  data: { ...step(options), accountId: testFromAccountId, amount: minorUnits(options.amount ?? testTransferAmount) },
});

export const transferCompleted = (options: StepOptions = {}): TransferCompleted => ({
  type: 'TransferCompleted',
  data: step(options),
});

export const transferFailed = (reason: string, options: StepOptions = {}): TransferFailed => ({
  type: 'TransferFailed',
  data: { ...step(options), reason },
});

interface CommandOptions {
  readonly transferId?: string;
  readonly now?: string;
}

export const requestTransfer = (
  terms: Partial<Omit<RequestTransfer['data'], 'amount'>> & { readonly amount?: Amount } = {},
  now = testNow,
): RequestTransfer => ({
  type: 'RequestTransfer',
  data: {
    transferId: testTransferId,
    fromAccountId: testFromAccountId,
    toAccountId: testToAccountId,
    currency: testCurrency,
    ...terms,
    amount: minorUnits(terms.amount ?? testTransferAmount),
  },
  metadata: commandMetadata(now),
});

const stepCommand = (options: CommandOptions) => ({
  data: { transferId: options.transferId ?? testTransferId },
  metadata: commandMetadata(options.now),
});

export const recordDebit = (options: CommandOptions = {}): RecordDebit => ({
  type: 'RecordDebit',
  ...stepCommand(options),
});

export const recordCredit = (options: CommandOptions = {}): RecordCredit => ({
  type: 'RecordCredit',
  ...stepCommand(options),
});

export const recordRefund = (options: CommandOptions = {}): RecordRefund => ({
  type: 'RecordRefund',
  ...stepCommand(options),
});

export const failTransfer = (reason: string, options: CommandOptions = {}): FailTransfer => {
  const { data, metadata } = stepCommand(options);
  return { type: 'FailTransfer', data: { ...data, reason }, metadata };
};

export const confirmTransferStep = (step: AccountStep, options: CommandOptions = {}): ConfirmTransferStep => {
  const { data, metadata } = stepCommand(options);
  return { type: 'ConfirmTransferStep', data: { ...data, step }, metadata };
};

export const recordCreditRefused = (reason: string, options: CommandOptions = {}): RecordCreditRefused => {
  const { data, metadata } = stepCommand(options);
  return { type: 'RecordCreditRefused', data: { ...data, reason }, metadata };
};
