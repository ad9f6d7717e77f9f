import { describe, expect, it } from 'vitest';
import { bankModule } from '../../../../src/domains/bank/index.js';
import {
  accountClosed,
  accountOpened,
  moneyDeposited,
  moneyTransferredIn,
  moneyTransferredOut,
  moneyWithdrawn,
  transferOutRefunded,
} from '../../../support/bank.js';
import { inLog, inTransferLog } from '../../../support/bank-projections.js';
import {
  transferCompleted,
  transferCredited,
  transferCreditRefused,
  transferDebited,
  transferFailed,
  transferRefunded,
  transferRequested,
} from '../../../support/transfers.js';

const oneOfEach = [
  ...inLog(
    accountOpened(),
    moneyDeposited('1.00'),
    moneyWithdrawn('1.00', '0.00'),
    accountClosed(),
    moneyTransferredOut('1.00', '0.00'),
    moneyTransferredIn('1.00'),
    transferOutRefunded('1.00', '1.00'),
  ),
  ...inTransferLog(
    transferRequested(),
    transferDebited(),
    transferCredited(),
    transferCreditRefused(),
    transferRefunded(),
    transferCompleted(),
    transferFailed('INSUFFICIENT_FUNDS'),
  ),
];

describe('the bank', () => {
  it('registers its read models under distinct names', () =>
    expect(bankModule.projections.map((projection) => projection.name)).toEqual([
      'account-summary',
      'accounts-by-owner',
      'transactions',
      'bank-stats',
      'transfers',
    ]));

  it.each(bankModule.projections.map((projection) => [projection.name, projection] as const))(
    'declares for %s exactly the event types it writes for',
    (_name, projection) => {
      const writesFor = oneOfEach.filter((event) => projection.project(event).length > 0).map((event) => event.type);
      expect(writesFor).toEqual(projection.handles);
    },
  );
});
