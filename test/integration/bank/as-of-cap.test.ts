import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEsgraph } from '../../../src/app.js';
import { AccountAsOfDocument, DepositDocument, OpenAccountDocument } from '../../generated/graphql.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';

describe('accountAsOf over a bounded log (ACCOUNT_AS_OF_MAX_EVENTS)', () => {
  let dependencies: TestDependencies;
  let esgraph: RunningEsgraph;
  const open = async (events: number) => {
    const accountId = randomUUID();
    await executeOk(esgraph.url, OpenAccountDocument, { input: { accountId, ownerId: 'owner-c', currency: 'EUR' } });
    for (let i = 1; i < events; i++) {
      await executeOk(esgraph.url, DepositDocument, { input: { accountId, amount: '1', source: 'cash' } });
    }
    return accountId;
  };

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    esgraph = await startTestEsgraph(dependencies, { ACCOUNT_AS_OF_MAX_EVENTS: '5' });
  });
  afterAll(async () => {
    await esgraph?.stop();
    await dependencies?.stop();
  });

  it('rebuilds an account whose stream has exactly the cap of events', async () => {
    const accountId = await open(5);
    const rebuilt = (await executeOk(esgraph.url, AccountAsOfDocument, { id: accountId })).accountAsOf;
    expect(rebuilt).toMatchObject({ id: accountId, balance: '4.00', revision: 4 });
  });

  it('answers LOG_TOO_LONG for a stream one event past the cap, even as of an early revision', async () => {
    const accountId = await open(6);
    for (const variables of [{}, { revision: 0 }] as { revision?: number }[]) {
      const answer = await execute(esgraph.url, AccountAsOfDocument, { id: accountId, ...variables });
      expect(answer.errors?.[0]?.extensions?.code).toBe('LOG_TOO_LONG');
      expect(answer.data?.accountAsOf ?? null).toBeNull();
    }
  });
});
