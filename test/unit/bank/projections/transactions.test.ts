import { describe, expect, it } from 'vitest';
import { notify, zAdd } from '../../../../src/core/projections/projection.js';
import { decodeTransaction, transactionsProjection } from '../../../../src/domains/bank/projections/transactions.js';
import {
  accountClosed,
  accountOpened,
  moneyDeposited,
  moneyTransferredIn,
  moneyTransferredOut,
  moneyWithdrawn,
  testNow,
  transferOutRefunded,
} from '../../../support/bank.js';
import { at, projectionSpecification } from '../../../support/bank-projections.js';

const given = projectionSpecification(transactionsProjection);

const recorded = (record: object, sortKey: string) => {
  const json = JSON.stringify(record);
  return [
    zAdd('account:acc-1', 0, `${sortKey}|${json}`),
    zAdd('all', 0, `${sortKey}|${json}`),
    notify('transactions:acc-1', json),
    notify('transactions', json),
  ];
};

describe('the transactions projection', () => {
  it('records a deposit in the account and in all transactions, and announces it on both topics', () =>
    given(at(moneyDeposited('10.00', '12.50'), { position: 700n, revision: 2n, id: 'e-7' })).then(
      ...recorded(
        {
          id: 'e-7',
          accountId: 'acc-1',
          kind: 'DEPOSIT',
          amount: 1000,
          balanceAfter: 1250,
          occurredAt: testNow,
          position: '700',
        },
        '00000000000000000700',
      ),
    ));

  it('records a withdrawal with the balance it left', () =>
    given(at(moneyWithdrawn('2.50', '10.00'), { position: 800n, revision: 3n, id: 'e-8' })).then(
      ...recorded(
        {
          id: 'e-8',
          accountId: 'acc-1',
          kind: 'WITHDRAWAL',
          amount: 250,
          balanceAfter: 1000,
          occurredAt: testNow,
          position: '800',
        },
        '00000000000000000800',
      ),
    ));

  it.each([
    ['a transfer out as TRANSFER_OUT', moneyTransferredOut('4.00', '6.00'), 'TRANSFER_OUT', 400, 600],
    ['a transfer in as TRANSFER_IN', moneyTransferredIn('4.00', '14.00'), 'TRANSFER_IN', 400, 1400],
    ['a refunded transfer out as TRANSFER_REFUND', transferOutRefunded('4.00', '10.00'), 'TRANSFER_REFUND', 400, 1000],
  ] as const)('records %s, with its transfer id', (_name, event, kind, amount, balanceAfter) =>
    given(at(event, { position: 900n, revision: 4n, id: 'e-9' })).then(
      ...recorded(
        {
          id: 'e-9',
          accountId: 'acc-1',
          kind,
          amount,
          balanceAfter,
          occurredAt: testNow,
          position: '900',
          transferId: 'tr-1',
        },
        '00000000000000000900',
      ),
    ),
  );

  it('reads a transfer’s transaction back with its transfer id', () => {
    const [, , message] = transactionsProjection.project(
      at(moneyTransferredIn('1.00', '1.00', { transferId: 'tr-7' }), { position: 5n, revision: 1n, id: 'e-5' }),
    );
    expect(message?.kind === 'notify' && decodeTransaction(message.message)).toMatchObject({
      kind: 'TRANSFER_IN',
      transferId: 'tr-7',
      position: 5n,
    });
  });

  it('records nothing for opening and closing', () =>
    given(
      at(accountOpened(), { position: 1n, revision: 0n }),
      at(accountClosed(), { position: 2n, revision: 1n }),
    ).then());

  it('reads a recorded transaction back from its message', () => {
    const [, , message] = transactionsProjection.project(
      at(moneyDeposited('1.00'), { position: 2n ** 64n - 1n, revision: 1n, id: 'e-1' }),
    );
    expect(message?.kind === 'notify' && decodeTransaction(message.message)).toEqual({
      id: 'e-1',
      accountId: 'acc-1',
      kind: 'DEPOSIT',
      amount: 100,
      balanceAfter: 100,
      occurredAt: testNow,
      position: 18_446_744_073_709_551_615n,
    });
  });

  it('ignores a message that is not a transaction', () => {
    expect(decodeTransaction('{')).toBeUndefined();
    expect(decodeTransaction('{"id":"x"}')).toBeUndefined();
  });
});
