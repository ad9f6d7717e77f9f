import { describe, it } from 'vitest';
import { zAdd } from '../../../../src/core/projections/projection.js';
import { accountsByOwnerProjection } from '../../../../src/domains/bank/projections/accounts-by-owner.js';
import { accountClosed, accountOpened, moneyDeposited } from '../../../support/bank.js';
import { at, inLog, projectionSpecification } from '../../../support/bank-projections.js';

const given = projectionSpecification(accountsByOwnerProjection);

describe('the accounts-by-owner projection', () => {
  it("lists a new account in its owner's accounts and in all accounts, in log order", () =>
    given(at(accountOpened({ accountId: 'acc-9', ownerId: 'ann' }), { position: 1234n, revision: 0n })).then(
      zAdd('owner:ann', 0, '00000000000000001234|acc-9'),
      zAdd('all', 0, '00000000000000001234|acc-9'),
    ));

  it('keeps an account listed through deposits and closing', () =>
    given(...inLog(accountOpened(), moneyDeposited('1.00'), accountClosed()).slice(1)).then());
});
