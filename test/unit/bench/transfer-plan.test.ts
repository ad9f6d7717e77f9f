import { describe, expect, it } from 'vitest';
import { planTransfers, transferAccounts } from '../../../bench/faults/transfer-workload.js';

/*
 * The conservation test's plan: what a seed replays, and that every kind of transfer the test
 * checks for is in it.
 */

const accounts = transferAccounts();
const plan = (seed: number) => planTransfers(seed, accounts, { count: 1_000, kills: 4 });
const shape = (seed: number) => {
  const { transfers, operations, killPoints } = plan(seed);
  return {
    transfers: transfers.map(({ commandId: _, ...terms }) => terms),
    operations: operations.map(({ commandId: _, ...terms }) => terms),
    killPoints,
  };
};

describe('the transfers plan', () => {
  it('is the same for the same seed, command ids aside, and another for another seed', () => {
    expect(shape(42)).toEqual(shape(42));
    expect(shape(43)).not.toEqual(shape(42));
  });

  it('holds 1,000 transfers of every intent, a deposit or withdrawal after every fourth, and ascending kill points', () => {
    const { transfers, operations, killPoints } = plan(7);
    expect(transfers).toHaveLength(1_000);
    expect(operations).toHaveLength(1_250);
    const intents = new Map<string, number>();
    for (const { intent } of transfers) intents.set(intent, (intents.get(intent) ?? 0) + 1);
    expect([...intents.keys()].sort()).toEqual(
      ['closed-after', 'ordinary', 'other-currency', 'over-balance', 'repeat', 'to-closed'].sort(),
    );
    expect(intents.get('closed-after')).toBe(accounts.closedAfter.length);
    expect(new Set(transfers.filter((t) => t.intent === 'closed-after').map((t) => t.toAccountId))).toEqual(
      new Set(accounts.closedAfter),
    );
    for (const transfer of transfers) expect(transfer.fromAccountId).not.toBe(transfer.toAccountId);
    expect(killPoints).toHaveLength(4);
    expect([...killPoints].sort((a, b) => a - b)).toEqual(killPoints);
  });
});
