import { describe, expect, it } from 'vitest';
import { bankEventTypes } from '../../../../src/domains/bank/events.js';
import { bankModule } from '../../../../src/domains/bank/index.js';

describe('the bank', () => {
  it('registers its read models under distinct names', () =>
    expect(bankModule.projections.map((projection) => projection.name)).toEqual([
      'account-summary',
      'accounts-by-owner',
      'transactions',
      'bank-stats',
    ]));

  // consistentWith waits for checkpoints, which move only with the events a projection receives.
  it.each(bankModule.projections.map((projection) => [projection.name, projection] as const))(
    'subscribes %s to every bank event, so any bank mutation’s position is one its checkpoint reaches',
    (_name, projection) => expect([...projection.handles].sort()).toEqual([...bankEventTypes].sort()),
  );
});
