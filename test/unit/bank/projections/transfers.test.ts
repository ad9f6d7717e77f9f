import { describe, expect, it } from 'vitest';
import { addLogOrdered } from '../../../../src/core/projections/log-ordered-set.js';
import { hSet, notify } from '../../../../src/core/projections/projection.js';
import { transfersProjection } from '../../../../src/domains/bank/projections/transfers.js';
import { testNow, testTransferId } from '../../../support/bank.js';
import { inTransferLog } from '../../../support/bank-projections.js';
import {
  testFromAccountId,
  testToAccountId,
  transferCompleted,
  transferCredited,
  transferDebited,
  transferFailed,
  transferRequested,
} from '../../../support/transfers.js';

const opsOf = (...events: Parameters<typeof inTransferLog>) =>
  inTransferLog(...events).map((event) => transfersProjection.project(event));

const step = (kind: string, position: string) => JSON.stringify({ kind, at: testNow, position });

describe('the transfers projection', () => {
  it('records a request with its terms as PENDING, lists it under both accounts, and announces it', () => {
    const [requested] = opsOf(transferRequested());
    expect(requested).toEqual([
      hSet(`transfer:${testTransferId}`, {
        id: testTransferId,
        fromAccountId: testFromAccountId,
        toAccountId: testToAccountId,
        amount: 1000,
        currency: 'EUR',
        status: 'PENDING',
        requestedAt: testNow,
        position: '100',
      }),
      addLogOrdered(`steps:${testTransferId}`, 100n, step('REQUESTED', '100')),
      addLogOrdered(`account:${testFromAccountId}`, 100n, testTransferId),
      addLogOrdered(`account:${testToAccountId}`, 100n, testTransferId),
      notify(`transfer:${testTransferId}`, '100'),
    ]);
  });

  it('adds each step, and settles the status as COMPLETED with its time or FAILED with its reason', () => {
    const [, debited, credited, completed] = opsOf(
      transferRequested(),
      transferDebited(),
      transferCredited(),
      transferCompleted(),
    );
    expect(debited).toEqual([
      hSet(`transfer:${testTransferId}`, { position: '200' }),
      addLogOrdered(`steps:${testTransferId}`, 200n, step('DEBITED', '200')),
      notify(`transfer:${testTransferId}`, '200'),
    ]);
    expect(credited?.[1]).toEqual(addLogOrdered(`steps:${testTransferId}`, 300n, step('CREDITED', '300')));
    expect(completed?.[0]).toEqual(
      hSet(`transfer:${testTransferId}`, { status: 'COMPLETED', completedAt: testNow, position: '400' }),
    );
    const [, failed] = opsOf(transferRequested(), transferFailed('INSUFFICIENT_FUNDS'));
    expect(failed?.[0]).toEqual(
      hSet(`transfer:${testTransferId}`, { status: 'FAILED', reason: 'INSUFFICIENT_FUNDS', position: '200' }),
    );
  });
});
