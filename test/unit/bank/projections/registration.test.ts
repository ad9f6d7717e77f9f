import { describe, expect, it } from 'vitest';
import { bankEventTypes } from '../../../../src/domains/bank/events.js';
import { bankModule } from '../../../../src/domains/bank/index.js';
import { accountClosed, accountOpened, moneyDeposited, moneyWithdrawn } from '../../../support/bank.js';
import { inLog } from '../../../support/bank-projections.js';

const oneOfEach = inLog(accountOpened(), moneyDeposited('1.00'), moneyWithdrawn('1.00', '0.00'), accountClosed());

describe.each(bankModule.projections.map((projection) => [projection.name, projection] as const))(
  'the %s projection',
  (_name, projection) => {
    it('declares exactly the event types it writes for', () => {
      const writesFor = oneOfEach.filter((event) => projection.project(event).length > 0).map((event) => event.type);
      expect(writesFor).toEqual(projection.handles);
    });
  },
);

describe('the bank', () => {
  it('registers its read models under distinct names', () =>
    expect(bankModule.projections.map((projection) => projection.name)).toEqual([
      'account-summary',
      'accounts-by-owner',
      'transactions',
      'bank-stats',
    ]));

  it('projects only bank events', () =>
    expect(
      bankModule.projections.flatMap((projection) => projection.handles).every((type) => bankEventTypes.includes(type)),
    ).toBe(true));
});
