import { describe, expect, it } from 'vitest';
import type { Caller } from '../../../src/core/access.js';
import { commandAccess } from '../../../src/core/commands/command-access.js';
import { AccessDeniedError } from '../../../src/core/errors.js';
import { processManagerRole } from '../../../src/core/index.js';
import { bankAccessPolicy } from '../../../src/domains/bank/access-policy.js';

/*
 * The command rules of a transfer's steps, through the same middleware the pipeline runs. Who
 * owns which account is given as a table: the policy asks `accountOwner`, which the server
 * answers from the log (test/integration/server/access-policy.test.ts covers that end to end).
 */

const owners: Readonly<Record<string, string>> = { 'acc-1': 'ann', 'acc-2': 'bob' };
const policy = bankAccessPolicy({
  accountOwner: async (accountId) => owners[accountId],
  // No transfer is read here: these tests are about the commands.
  transferParties: async () => undefined,
});
const rules = commandAccess((type) => (Object.hasOwn(policy.commands, type) ? policy.commands[type] : undefined));

const callers: Readonly<Record<string, Caller>> = {
  'the process manager': { userId: 'process-manager:transfers', roles: [processManagerRole] },
  'a teller': { userId: 'tess', roles: ['teller'] },
  'a manager': { userId: 'max', roles: ['manager'] },
  'an auditor': { userId: 'aud', roles: ['auditor'] },
  'ann, a customer owning acc-1': { userId: 'ann', roles: ['customer'] },
  'bob, a customer owning acc-2': { userId: 'bob', roles: ['customer'] },
  'nobody signed in': { roles: [] },
};

const allowed = async (type: string, data: object, caller: Caller): Promise<boolean> => {
  const request = { requestId: 'r-1', ...caller };
  try {
    await rules.before?.({ type, data, commandId: undefined, request, metadata: undefined, receivedAt: 0 });
    return true;
  } catch (error) {
    if (error instanceof AccessDeniedError) return false;
    throw error;
  }
};

const whoMay = async (type: string, data: object): Promise<string[]> => {
  const verdicts = await Promise.all(
    Object.entries(callers).map(async ([name, caller]) => ((await allowed(type, data, caller)) ? [name] : [])),
  );
  return verdicts.flat();
};

const step = { accountId: 'acc-1', transferId: 'tr-1', amount: 100 };

describe('who may run a transfer’s steps', () => {
  it.each([
    ['DebitForTransfer', step],
    ['CreditForTransfer', { ...step, currency: 'EUR' }],
    ['RefundTransfer', step],
    ['RecordDebit', { transferId: 'tr-1' }],
    ['FailTransfer', { transferId: 'tr-1', reason: 'INSUFFICIENT_FUNDS' }],
    ['RecordCredit', { transferId: 'tr-1' }],
    ['RecordCreditRefused', { transferId: 'tr-1', reason: 'ACCOUNT_CLOSED' }],
    ['RecordRefund', { transferId: 'tr-1' }],
  ])('lets the process manager alone run %s, even on an account the caller owns', async (type, data) =>
    expect(await whoMay(type, data)).toEqual(['the process manager']),
  );

  it('lets a teller request any transfer, and a customer one from an account it owns to any account', async () => {
    const transfer = { transferId: 'tr-1', fromAccountId: 'acc-1', toAccountId: 'acc-2', amount: 100, currency: 'EUR' };
    expect(await whoMay('RequestTransfer', transfer)).toEqual(['a teller', 'ann, a customer owning acc-1']);
    expect(await whoMay('RequestTransfer', { ...transfer, fromAccountId: 'acc-2', toAccountId: 'acc-9' })).toEqual([
      'a teller',
      'bob, a customer owning acc-2',
    ]);
  });

  it('refuses a customer a transfer from an account nobody opened, as from another owner’s', async () =>
    expect(
      await whoMay('RequestTransfer', {
        transferId: 't',
        fromAccountId: 'acc-9',
        toAccountId: 'acc-1',
        amount: 1,
        currency: 'EUR',
      }),
    ).toEqual(['a teller']));

  it('gives the process manager no other command', async () => {
    const manager = callers['the process manager']!;
    expect(await allowed('DepositMoney', { accountId: 'acc-1', amount: 100 }, manager)).toBe(false);
    expect(
      await allowed('RequestTransfer', { transferId: 't', fromAccountId: 'acc-1', toAccountId: 'acc-2' }, manager),
    ).toBe(false);
  });
});
