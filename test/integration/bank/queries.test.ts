import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AccountDocument,
  AccountsDocument,
  type AccountsQueryVariables,
  TransactionsDocument,
  type TransactionsQueryVariables,
} from '../../generated/graphql.js';
import { bankApi, errorCode } from '../../support/bank-api.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';

describe('bank queries over HTTP', () => {
  const esgraph = useTestEsgraph();
  const url = (): string => esgraph.url;
  const bank = bankApi(url);

  /** Every page of a list, following endCursor, with what each page said about the next. */
  const allPages = async <Page extends { pageInfo: { hasNextPage: boolean; endCursor: string | null } }>(
    read: (after: string | null) => Promise<Page>,
  ): Promise<Page[]> => {
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const page: Page = await read(after);
      pages.push(page);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after !== null);
    return pages;
  };

  const allAccountPages = (variables: AccountsQueryVariables) =>
    allPages(async (after) => (await executeOk(url(), AccountsDocument, { ...variables, after })).accounts);

  const allTransactionPages = (variables: TransactionsQueryVariables) =>
    allPages(async (after) => (await executeOk(url(), TransactionsDocument, { ...variables, after })).transactions);

  describe('account', () => {
    it('answers the account as its read model holds it, with the revision and position of its last change', async () => {
      const { accountId, ownerId } = await bank.open({ currency: 'USD' });
      const position = await bank.deposit(accountId, '12.50');
      const { account } = await executeOk(url(), AccountDocument, { id: accountId, consistentWith: position });
      expect(account).toEqual({
        id: accountId,
        ownerId,
        currency: 'USD',
        balance: '12.50',
        status: 'OPEN',
        openedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        revision: 1,
        position,
      });
    });

    it('shows a closed account as closed', async () => {
      const { accountId } = await bank.open();
      const position = await bank.close(accountId);
      const { account } = await executeOk(url(), AccountDocument, { id: accountId, consistentWith: position });
      expect(account).toMatchObject({ status: 'CLOSED', balance: '0.00', revision: 1, position });
    });

    it('answers null for an account that does not exist', async () => {
      const { position } = await bank.open();
      expect(await executeOk(url(), AccountDocument, { id: randomUUID(), consistentWith: position })).toEqual({
        account: null,
      });
    });

    it('refuses a malformed id with BAD_USER_INPUT', async () =>
      expect(errorCode(await execute(url(), AccountDocument, { id: 'not an id!' }))).toBe('BAD_USER_INPUT'));
  });

  describe('accounts', () => {
    it("pages through an owner's accounts in the order they were opened", async () => {
      const ownerId = randomUUID();
      const opened = [];
      for (let index = 0; index < 7; index++) opened.push(await bank.open({ ownerId }));
      const consistentWith = opened.at(-1)!.position;

      const pages = await allAccountPages({ ownerId, first: 3, consistentWith });

      expect(pages.map((page) => page.edges.length)).toEqual([3, 3, 1]);
      expect(pages.map((page) => page.pageInfo.hasNextPage)).toEqual([true, true, false]);
      expect(pages.flatMap((page) => page.edges.map((edge) => edge.node.id))).toEqual(
        opened.map((account) => account.accountId),
      );
      for (const page of pages) expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor);
    });

    it('lists every account, each once, when no owner is given', async () => {
      const ours = [await bank.open(), await bank.open({ currency: 'GBP' }), await bank.open()];
      const pages = await allAccountPages({ first: 100, consistentWith: ours.at(-1)!.position });
      const listed = pages.flatMap((page) => page.edges.map((edge) => edge.node.id));
      expect(new Set(listed).size).toBe(listed.length);
      expect(listed.filter((id) => ours.some((account) => account.accountId === id))).toEqual(
        ours.map((account) => account.accountId),
      );
    });

    it('answers 20 accounts by default and at most 100', async () => {
      const ownerId = randomUUID();
      let consistentWith = '';
      for (let index = 0; index < 21; index++) consistentWith = (await bank.open({ ownerId })).position;

      const byDefault = (await executeOk(url(), AccountsDocument, { ownerId, consistentWith })).accounts;
      expect(byDefault.edges).toHaveLength(20);
      expect(byDefault.pageInfo.hasNextPage).toBe(true);
      const all = (await executeOk(url(), AccountsDocument, { ownerId, first: 100 })).accounts;
      expect(all.edges).toHaveLength(21);
      expect(all.pageInfo.hasNextPage).toBe(false);
    });

    it.each([0, -1, 101])('refuses first: %i with BAD_USER_INPUT', async (first) =>
      expect(errorCode(await execute(url(), AccountsDocument, { first }))).toBe('BAD_USER_INPUT'),
    );

    it('refuses a cursor it did not make with BAD_USER_INPUT', async () => {
      const { accountId, position } = await bank.open();
      const transactions = await executeOk(url(), TransactionsDocument, {
        accountId,
        consistentWith: await bank.deposit(accountId, '1'),
      });
      const transactionCursor = transactions.transactions.edges[0]!.cursor;
      for (const after of ['garbage', 'bm90IGEgY3Vyc29y', transactionCursor]) {
        expect(errorCode(await execute(url(), AccountsDocument, { after, consistentWith: position }))).toBe(
          'BAD_USER_INPUT',
        );
      }
    });

    it('answers an empty page for an owner without accounts', async () =>
      expect((await executeOk(url(), AccountsDocument, { ownerId: randomUUID() })).accounts).toEqual({
        edges: [],
        pageInfo: { hasNextPage: false, endCursor: null },
      }));
  });

  describe('transactions', () => {
    it("pages through an account's deposits and withdrawals, newest first", async () => {
      const { accountId } = await bank.open();
      const positions: string[] = [];
      for (const amount of ['10.00', '20.00', '30.00', '40.00', '50.00']) {
        positions.push(await bank.deposit(accountId, amount));
      }
      positions.push(await bank.withdraw(accountId, '0.01'), await bank.withdraw(accountId, '149.99'));

      const pages = await allTransactionPages({ accountId, first: 3, consistentWith: positions.at(-1)! });

      expect(pages.map((page) => [page.edges.length, page.pageInfo.hasNextPage])).toEqual([
        [3, true],
        [3, true],
        [1, false],
      ]);
      const listed = pages.flatMap((page) => page.edges.map((edge) => edge.node));
      expect(listed.map((node) => [node.kind, node.amount, node.balanceAfter, node.position])).toEqual(
        [
          ['DEPOSIT', '10.00', '10.00'],
          ['DEPOSIT', '20.00', '30.00'],
          ['DEPOSIT', '30.00', '60.00'],
          ['DEPOSIT', '40.00', '100.00'],
          ['DEPOSIT', '50.00', '150.00'],
          ['WITHDRAWAL', '0.01', '149.99'],
          ['WITHDRAWAL', '149.99', '0.00'],
        ]
          .map((row, index) => [...row, positions[index]])
          .reverse(),
      );
      expect(new Set(listed.map((node) => node.id)).size).toBe(7);
      expect(listed.every((node) => node.accountId === accountId && !Number.isNaN(Date.parse(node.occurredAt)))).toBe(
        true,
      );
    });

    it('answers an empty page for an account without transactions', async () => {
      const { accountId, position } = await bank.open();
      expect(
        (await executeOk(url(), TransactionsDocument, { accountId, consistentWith: position })).transactions,
      ).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    });

    it('refuses a bad cursor, a page size above 100 and a malformed id with BAD_USER_INPUT', async () => {
      const { accountId } = await bank.open();
      const refused: TransactionsQueryVariables[] = [
        { accountId, after: 'Zm9vOmJhcg' },
        { accountId, first: 101 },
        { accountId: 'a b' },
      ];
      for (const variables of refused) {
        expect(errorCode(await execute(url(), TransactionsDocument, variables))).toBe('BAD_USER_INPUT');
      }
    });
  });
});
