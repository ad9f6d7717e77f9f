import { describe, expect, it } from 'vitest';
import { accountCloseProcessName } from '../../../../src/domains/bank/account-close-process.js';
import { bankModule } from '../../../../src/domains/bank/index.js';
import { transferProcessName } from '../../../../src/domains/bank/transfers/transfer-process.js';
import {
  accountCloseCancelled,
  accountClosed,
  accountCloseRequested,
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
    accountCloseRequested(),
    accountCloseCancelled(),
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

  it('registers its process managers under distinct names', () =>
    expect(bankModule.processManagers?.map((processManager) => processManager.name)).toEqual([
      transferProcessName,
      accountCloseProcessName,
    ]));

  it.each(bankModule.projections.map((projection) => [projection.name, projection] as const))(
    'declares for %s exactly the event types it writes for',
    (_name, projection) => {
      const writesFor = oneOfEach.filter((event) => projection.project(event).length > 0).map((event) => event.type);
      expect(writesFor).toEqual(projection.handles);
    },
  );
});
