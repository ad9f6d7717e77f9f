import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandPipeline } from '../../../src/core/commands/command-pipeline.js';
import { DomainError } from '../../../src/core/errors.js';
import { connectEventStore, type EventStoreClient } from '../../../src/core/eventstore/client.js';
import { readStoredEvents } from '../../../src/core/eventstore/read-stream.js';
import { type AccountState, decide, evolve, foldAccount, initialState } from '../../../src/domains/bank/account.js';
import { accountAggregate } from '../../../src/domains/bank/account-aggregate.js';
import type { BankCommand } from '../../../src/domains/bank/commands.js';
import { decodeBankEvent } from '../../../src/domains/bank/stored-events.js';
import { type EsdbLocal, startEsdbLocal } from '../../../src/esdb-local/index.js';
import { closeAccount, deposit, openAccount, withdraw } from '../../support/bank.js';

/*
 * Random command sequences run through the real pipeline against esdb-local, beside a model that
 * runs `decide` and `evolve` in memory. What the store holds afterwards, folded again, must be
 * the state the model's decider saw; and each command must be refused exactly when the model's
 * decider refuses it.
 */

type Step = { kind: 'open' | 'close' } | { kind: 'deposit' | 'withdraw'; minorUnits: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('deposit' as const), minorUnits: fc.integer({ min: 1, max: 500 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('withdraw' as const), minorUnits: fc.integer({ min: 1, max: 500 }) }),
  },
  { weight: 1, arbitrary: fc.constantFrom<Step>({ kind: 'open' }, { kind: 'close' }) },
);

const commandFor = (next: Step, accountId: string): BankCommand => {
  const withFreshId = <C extends BankCommand>(command: C): C => ({
    ...command,
    metadata: { ...command.metadata, commandId: randomUUID(), now: new Date().toISOString() },
  });
  switch (next.kind) {
    case 'open':
      return withFreshId(openAccount({ accountId }));
    case 'close':
      return withFreshId(closeAccount({ accountId }));
    case 'deposit':
      return withFreshId(deposit({ minorUnits: next.minorUnits }, { accountId }));
    case 'withdraw':
      return withFreshId(withdraw({ minorUnits: next.minorUnits }, { accountId }));
  }
};

const outcomeOf = async (attempt: () => Promise<unknown>): Promise<string> => {
  try {
    await attempt();
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
};

describe('the command pipeline under random command sequences', () => {
  let esdb: EsdbLocal;
  let client: EventStoreClient;

  beforeAll(async () => {
    esdb = await startEsdbLocal({ mem: true });
    client = connectEventStore(esdb.connectionString);
  });
  afterAll(async () => {
    await client?.dispose();
    await esdb?.stop();
  });

  it('stores exactly the events the decider chose, so folding them gives the state it saw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), fc.boolean(), async (steps, opensFirst) => {
        const accountId = randomUUID();
        const pipeline = new CommandPipeline(client);
        let model: AccountState = initialState;
        for (const next of opensFirst ? [{ kind: 'open' } as const, ...steps] : steps) {
          const command = commandFor(next, accountId);
          const expected = await outcomeOf(async () => {
            model = decide(command, model).reduce(evolve, model);
          });
          expect(await outcomeOf(() => pipeline.handle(accountAggregate, command))).toBe(expected);
        }
        const stored = await readStoredEvents(client, `account-${accountId}`);
        const events = stored.map(decodeBankEvent).filter((event) => event !== undefined);
        expect(foldAccount(events)).toEqual(model);
      }),
      { numRuns: 30 },
    );
  });
});
