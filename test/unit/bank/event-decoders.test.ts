import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../src/core/eventstore/event-envelope.js';
import { bankEventDecoders } from '../../../src/domains/bank/event-decoders.js';
import {
  accountClosed,
  accountOpened,
  moneyDeposited,
  moneyTransferredIn,
  moneyTransferredOut,
  moneyWithdrawn,
  testNow,
  transferOutRefunded,
} from '../../support/bank.js';

/** A bank event's data as some version of the bank stored it. */
const stored = (type: string, data: object, schemaVersion: number): EventEnvelope => ({
  id: 'event-1',
  type,
  data,
  metadata: { schemaVersion },
  streamName: 'account-acc-1',
  revision: 1n,
  position: 200n,
  created: new Date(testNow),
});

const depositV1 = { accountId: 'acc-1', amount: 1250, balanceAfter: 1250, currency: 'EUR', occurredAt: testNow };

describe('the bank’s event decoders', () => {
  it('read a version 1 deposit with source "unspecified"', () =>
    expect(bankEventDecoders.decode(stored('MoneyDeposited', depositV1, 1))?.data).toEqual(
      moneyDeposited('12.50', '12.50', { source: 'unspecified' }).data,
    ));

  it('read a version 2 deposit as stored, source and all', () => {
    const data = moneyDeposited('12.50', '12.50', { source: 'cash' }).data;
    expect(bankEventDecoders.decode(stored('MoneyDeposited', data, 2))?.data).toEqual(data);
  });

  it('read a version 1 deposit exactly as the version 2 one a deposit without a source writes now', () =>
    expect(bankEventDecoders.decode(stored('MoneyDeposited', depositV1, 1))?.data).toEqual(
      bankEventDecoders.decode(stored('MoneyDeposited', { ...depositV1, source: 'unspecified' }, 2))?.data,
    ));

  it.each([
    ['AccountOpened', accountOpened().data],
    ['MoneyWithdrawn', moneyWithdrawn('1.00', '11.50').data],
    ['AccountClosed', accountClosed().data],
    ['MoneyTransferredOut', moneyTransferredOut('1.00', '11.50').data],
    ['MoneyTransferredIn', moneyTransferredIn('1.00').data],
    ['TransferOutRefunded', transferOutRefunded('1.00', '12.50').data],
  ])('read %s, whose shape never changed, as stored in version 1', (type, data) =>
    expect(bankEventDecoders.decode(stored(type, data, 1))?.data).toEqual(data),
  );

  it('write deposits as version 2 and every other event as version 1', () =>
    expect(bankEventDecoders.types.map((type) => [type, bankEventDecoders.versionOf(type)])).toEqual([
      ['AccountOpened', 1],
      ['MoneyDeposited', 2],
      ['MoneyWithdrawn', 1],
      ['AccountClosed', 1],
      ['MoneyTransferredOut', 1],
      ['MoneyTransferredIn', 1],
      ['TransferOutRefunded', 1],
      ['AccountCloseRequested', 1],
      ['AccountCloseCancelled', 1],
    ]));

  it('skip a deposit of a version newer code wrote, and event types of other contexts', () => {
    expect(bankEventDecoders.decode(stored('MoneyDeposited', depositV1, 3))).toBeUndefined();
    expect(bankEventDecoders.decode(stored('CopyLent', { titleId: 't-1' }, 1))).toBeUndefined();
  });
});
