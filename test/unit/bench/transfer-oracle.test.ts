import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../../bench/faults/oracle.js';
import { transferLedger, transfersBalanced } from '../../../bench/faults/transfer-oracle.js';

/*
 * The e2e transfer-conservation test trusts this recount of the log, so it must fail on every
 * way a transfer can go wrong: these logs are written by hand, one fault each.
 */

let position = 0n;
const event = (streamName: string, type: string, data: Record<string, unknown>): LogEvent => {
  position += 10n;
  return { id: `e${position}`, type, streamName, revision: 0n, position, data, commandId: undefined };
};

const terms = { transferId: 't1', fromAccountId: 'a', toAccountId: 'b', amount: 500 };
const requested = () => event('transfer-t1', 'TransferRequested', terms);
const onTransfer = (type: string, data: Record<string, unknown> = {}) =>
  event('transfer-t1', type, { transferId: 't1', ...data });
const onAccount = (accountId: string, type: string, amount = 500) =>
  event(`account-${accountId}`, type, { accountId, transferId: 't1', amount });

const debited = () => [onAccount('a', 'MoneyTransferredOut'), onTransfer('TransferDebited')];
const completed = () => [
  requested(),
  ...debited(),
  onAccount('b', 'MoneyTransferredIn'),
  onTransfer('TransferCredited'),
  onTransfer('TransferCompleted'),
];
const refunded = () => [
  requested(),
  ...debited(),
  onTransfer('TransferCreditRefused', { reason: 'ACCOUNT_CLOSED' }),
  onAccount('a', 'TransferOutRefunded'),
  onTransfer('TransferRefunded'),
  onTransfer('TransferFailed', { reason: 'ACCOUNT_CLOSED' }),
];

const check = (log: readonly LogEvent[]) => transfersBalanced(transferLedger(log));

describe('the transfer oracle', () => {
  it('passes a completed transfer, and a failed one whose debit came back', () => {
    expect(check(completed())).toMatchObject({ ok: true, detail: expect.stringContaining('1 COMPLETED') });
    expect(check(refunded())).toMatchObject({ ok: true, detail: expect.stringContaining('1 FAILED (1 refunded)') });
    expect(check([requested(), onTransfer('TransferFailed', { reason: 'INSUFFICIENT_FUNDS' })]).ok).toBe(true);
  });

  it.each([
    ['moved money twice', [...completed(), onAccount('a', 'MoneyTransferredOut')]],
    ['is still PENDING', [requested(), ...debited()]],
    [
      'is FAILED (INSUFFICIENT_FUNDS)',
      [
        requested(),
        ...debited(),
        onAccount('b', 'MoneyTransferredIn'),
        onTransfer('TransferFailed', { reason: 'INSUFFICIENT_FUNDS' }),
      ],
    ],
    [
      'debits are not credits + refunds',
      [requested(), ...debited(), onTransfer('TransferFailed', { reason: 'ACCOUNT_CLOSED' })],
    ],
    [
      'moved other than 500',
      [requested(), onAccount('a', 'MoneyTransferredOut', 400), onTransfer('TransferFailed', { reason: 'X' })],
    ],
    [
      'not its toAccountId',
      [requested(), ...debited(), onAccount('c', 'MoneyTransferredIn'), onTransfer('TransferCompleted')],
    ],
    ['records TransferCompleted once COMPLETED', [...completed(), onTransfer('TransferCompleted')]],
    ['requested twice', [...completed(), requested()]],
    ['never requested before it', [onAccount('a', 'MoneyTransferredOut'), ...completed().slice(1)]],
  ])('finds a transfer that %s', (problem, log) => {
    const result = check(log);
    expect(result.ok).toBe(false);
    expect(result.detail).toContain(problem);
  });

  it('fails on a log with no transfer at all', () => {
    expect(check([]).ok).toBe(false);
  });
});
