import { describe, expect, it } from 'vitest';
import { assertProcessManagers } from '../../../src/core/process-managers/declarations.js';
import { accountAggregate } from '../../../src/domains/bank/account-aggregate.js';
import { accountCloseProcess } from '../../../src/domains/bank/account-close-process.js';
import { bankModule } from '../../../src/domains/bank/index.js';
import {
  accountCloseRequested,
  accountOpened,
  moneyDeposited,
  moneyTransferredIn,
  moneyTransferredOut,
  moneyWithdrawn,
  testAccountId,
  transferOutRefunded,
} from '../../support/bank.js';
import { at } from '../../support/bank-projections.js';

/*
 * The close process's reaction, as data: which money out calls for CompleteAccountClose. Whether
 * the close is still due is the account's to decide (close-request.test.ts); that it runs, through
 * a server: the integration test account-close-process.test.ts.
 */

const reaction = (event: Parameters<typeof at>[0]) =>
  accountCloseProcess.react(at(event, { position: 100n, revision: 1n })).map(({ aggregate, command, onRefused }) => ({
    onAccount: aggregate === accountAggregate,
    command,
    failurePath: onRefused !== undefined,
  }));

const completeClose = {
  onAccount: true,
  command: { type: 'CompleteAccountClose', data: { accountId: testAccountId } },
  failurePath: false,
};

describe('the close process', () => {
  it.each([
    ['a withdrawal', moneyWithdrawn('10.00', '0.00', { closePending: true })],
    ['a transfer’s debit', moneyTransferredOut('10.00', '0.00', { closePending: true })],
  ])('completes the close when %s empties an account with a close pending', (_name, event) =>
    expect(reaction(event)).toEqual([completeClose]),
  );

  it('sends nothing for money out that leaves such an account holding money', () =>
    expect(reaction(moneyWithdrawn('4.00', '6.00', { closePending: true }))).toEqual([]));

  it('sends nothing for an account emptied without a close pending', () => {
    expect(reaction(moneyWithdrawn('10.00', '0.00'))).toEqual([]);
    expect(reaction(moneyTransferredOut('10.00', '0.00'))).toEqual([]);
  });

  it('reacts to money out of accounts alone', () => {
    expect(accountCloseProcess).toMatchObject({
      handles: ['MoneyWithdrawn', 'MoneyTransferredOut'],
      streamCategory: 'account',
    });
    for (const event of [
      accountOpened(),
      moneyDeposited('1.00'),
      moneyTransferredIn('1.00'),
      transferOutRefunded('1.00', '1.00'),
      accountCloseRequested(),
    ]) {
      expect(reaction(event)).toEqual([]);
    }
  });

  it('passes the checks every process manager must at start-up, beside the transfers’', () =>
    expect(() => assertProcessManagers(bankModule.processManagers ?? [])).not.toThrow());
});
