import { describe, expect, it } from 'vitest';
import { AccountDocument, AccountsDocument, BankStatsDocument, TransactionsDocument } from '../../generated/graphql.js';
import { bankApi, errorCode } from '../../support/bank-api.js';
import { startTestEsgraph, useTestEsgraph } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';

describe('read-your-writes with consistentWith', () => {
  const esgraph = useTestEsgraph();
  const url = (): string => esgraph.url;
  const bank = bankApi(url);

  it('shows each of 200 mutations to the query sent right after it with its position', async () => {
    const { accountId, ownerId } = await bank.open({ currency: 'JPY' });
    // Each query reads other read models, so every projection is checked against every kind of write.
    for (let index = 1; index <= 200; index++) {
      const consistentWith = await bank.deposit(accountId, '1.00');
      const balance = `${index}.00`;
      switch (index % 4) {
        case 0: {
          const { account } = await executeOk(url(), AccountDocument, { id: accountId, consistentWith });
          expect(account).toMatchObject({ balance, revision: index, position: consistentWith });
          break;
        }
        case 1: {
          const { transactions } = await executeOk(url(), TransactionsDocument, {
            accountId,
            first: 1,
            consistentWith,
          });
          expect(transactions.edges[0]?.node).toMatchObject({ balanceAfter: balance, position: consistentWith });
          break;
        }
        case 2: {
          const { accounts } = await executeOk(url(), AccountsDocument, { ownerId, consistentWith });
          expect(accounts.edges.map((edge) => edge.node.balance)).toEqual([balance]);
          break;
        }
        default: {
          const { bankStats } = await executeOk(url(), BankStatsDocument, { consistentWith });
          expect(bankStats.totals.find((total) => total.currency === 'JPY')?.deposited).toBe(balance);
        }
      }
    }
  });

  it('sees an opening from read models that write nothing for it', async () => {
    const { accountId, position } = await bank.open();
    const { transactions } = await executeOk(url(), TransactionsDocument, { accountId, consistentWith: position });
    expect(transactions.edges).toEqual([]);
  });

  it('refuses a consistentWith that is not a position with BAD_USER_INPUT', async () =>
    expect(errorCode(await execute(url(), BankStatsDocument, { consistentWith: 'yesterday' }))).toBe('BAD_USER_INPUT'));

  describe('on a node whose CONSISTENCY_TIMEOUT_MS is 300', () => {
    it('answers CONSISTENCY_TIMEOUT for a position the log has not reached, within that bound', async () => {
      const impatient = await startTestEsgraph(esgraph.dependencies, {
        CONSISTENCY_TIMEOUT_MS: '300',
        SERVICE_ROLES: 'query',
      });
      try {
        const started = performance.now();
        const response = await execute(impatient.url, AccountDocument, {
          id: 'acc-1',
          consistentWith: '18446744073709551615',
        });
        const elapsed = performance.now() - started;
        expect(errorCode(response)).toBe('CONSISTENCY_TIMEOUT');
        expect(elapsed).toBeGreaterThanOrEqual(290);
        expect(elapsed).toBeLessThan(1_500);
      } finally {
        await impatient.stop();
      }
    });
  });
});
