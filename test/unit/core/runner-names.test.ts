import { describe, expect, it } from 'vitest';
import { assertDistinctRunnerNames } from '../../../src/core/process-managers/runner-names.js';
import { bankModule } from '../../../src/domains/bank/index.js';
import { domainProcessManagers, domainProjections } from '../../../src/domains/index.js';

const named = (...names: string[]) => names.map((name) => ({ name }));

describe('the names of read models and process managers', () => {
  it('refuses a read model named like a process manager, naming both', () => {
    expect(() => assertDistinctRunnerNames(named('account-summary', 'hold-desk'), named('hold-desk'))).toThrow(
      'read model "hold-desk" and process manager "hold-desk" share the name "hold-desk"',
    );
  });

  it('refuses a read model named like the keys a process manager keeps its checkpoint and lease under', () => {
    expect(() => assertDistinctRunnerNames(named('pm.hold-desk'), named('hold-desk'))).toThrow(
      'read model "pm.hold-desk" and process manager "hold-desk" share the Redis key name "pm.hold-desk"',
    );
  });

  it('refuses two read models, or two process managers, of one name', () => {
    expect(() => assertDistinctRunnerNames(named('totals', 'totals'), [])).toThrow(
      'read model "totals" and read model "totals" share the name "totals"',
    );
    expect(() => assertDistinctRunnerNames([], named('hold-desk', 'hold-desk'))).toThrow(
      'process manager "hold-desk" and process manager "hold-desk" share the name "hold-desk"',
    );
  });

  it('lets names of their own pass', () => {
    expect(() => assertDistinctRunnerNames(named('totals', 'loans'), named('hold-desk', 'returns'))).not.toThrow();
  });

  it('lets the bank’s read models and process managers pass, as the server gathers them', () => {
    expect(() => assertDistinctRunnerNames(bankModule.projections, bankModule.processManagers ?? [])).not.toThrow();
    expect(domainProjections().map(({ name }) => name)).toEqual(bankModule.projections.map(({ name }) => name));
    expect(domainProcessManagers().length).toBeGreaterThan(0);
  });
});
