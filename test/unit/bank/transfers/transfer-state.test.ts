import { describe, expect, it } from 'vitest';
import { transferAggregate } from '../../../../src/domains/bank/transfers/transfer-aggregate.js';
import { transferEventDecoders } from '../../../../src/domains/bank/transfers/transfer-event-decoders.js';
import { transferEventTypes } from '../../../../src/domains/bank/transfers/transfer-events.js';
import { foldTransfer, transferStreamName } from '../../../../src/domains/bank/transfers/transfer-state.js';
import {
  recordDebit,
  transferCompleted,
  transferCredited,
  transferCreditRefused,
  transferDebited,
  transferFailed,
  transferRefunded,
  transferRequested,
} from '../../../support/transfers.js';

const at = (minute: number) => `2024-05-01T10:0${minute}:00.000Z`;

const terms = {
  transferId: 'tr-1',
  fromAccountId: 'acc-1',
  toAccountId: 'acc-2',
  amount: 1000,
  currency: 'EUR',
  requestedAt: at(0),
};

describe('folding a transfer', () => {
  it('starts as none when there are no events', () => expect(foldTransfer([])).toEqual({ status: 'none' }));

  it('is pending from its request, with its terms and the step taken', () =>
    expect(foldTransfer([transferRequested({ occurredAt: at(0) })])).toEqual({
      status: 'pending',
      stage: 'requested',
      terms,
      steps: [{ kind: 'REQUESTED', at: at(0) }],
    }));

  it('completes with every step in order and its time', () =>
    expect(
      foldTransfer([
        transferRequested({ occurredAt: at(0) }),
        transferDebited({ at: at(1) }),
        transferCredited({ at: at(2) }),
        transferCompleted({ at: at(2) }),
      ]),
    ).toEqual({
      status: 'completed',
      completedAt: at(2),
      terms,
      steps: [
        { kind: 'REQUESTED', at: at(0) },
        { kind: 'DEBITED', at: at(1) },
        { kind: 'CREDITED', at: at(2) },
        { kind: 'COMPLETED', at: at(2) },
      ],
    }));

  it('fails refunded after a refused credit, with the refusal as its reason', () =>
    expect(
      foldTransfer([
        transferRequested(),
        transferDebited(),
        transferCreditRefused('ACCOUNT_CLOSED', { at: at(2) }),
        transferRefunded({ at: at(3) }),
        transferFailed('ACCOUNT_CLOSED', { at: at(3) }),
      ]),
    ).toMatchObject({ status: 'failed', reason: 'ACCOUNT_CLOSED', failedAt: at(3), refunded: true }));

  it('fails unrefunded when its debit was refused', () =>
    expect(foldTransfer([transferRequested(), transferFailed('INSUFFICIENT_FUNDS')])).toMatchObject({
      status: 'failed',
      reason: 'INSUFFICIENT_FUNDS',
      refunded: false,
      steps: [{ kind: 'REQUESTED' }, { kind: 'FAILED' }],
    }));

  it('ignores events that do not fit where the transfer is, and takes no step for them', () => {
    const debited = foldTransfer([transferRequested(), transferDebited()]);
    expect(foldTransfer([transferRequested(), transferDebited(), transferRequested(), transferRefunded()])).toEqual(
      debited,
    );
    expect(foldTransfer([transferDebited(), transferCompleted()])).toEqual({ status: 'none' });
    expect(foldTransfer([transferRequested(), transferDebited(), transferFailed('X')])).toEqual(debited);
  });
});

describe('the transfer aggregate', () => {
  it('keeps each transfer in its own stream, transfer-<id>', () => {
    expect(transferStreamName('tr-9')).toBe('transfer-tr-9');
    expect(transferAggregate.streamName(recordDebit({ transferId: 'tr-9' }))).toBe('transfer-tr-9');
  });

  it('has a decoder, at version 1, for every transfer event', () =>
    expect(transferEventDecoders.types.map((type) => [type, transferEventDecoders.versionOf(type)])).toEqual(
      transferEventTypes.map((type) => [type, 1]),
    ));
});
