import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccountHistoryDocument, DepositDocument, OpenAccountDocument } from '../../generated/graphql.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { execute, executeOk } from '../../support/graphql-client.js';

describe('account history in pages', () => {
  const esgraph = useTestEsgraph();
  const accountId = randomUUID();

  const page = async (variables: { first?: number; after?: string | null }) =>
    (await executeOk(esgraph.url, AccountHistoryDocument, { id: accountId, ...variables })).accountHistory;
  const revisionsOf = (history: Awaited<ReturnType<typeof page>>) => history.edges.map(({ node }) => node.revision);
  const deposit = (amount: string) =>
    executeOk(esgraph.url, DepositDocument, { input: { accountId, amount, source: 'cash' } });

  beforeAll(async () => {
    await executeOk(esgraph.url, OpenAccountDocument, { input: { accountId, ownerId: 'owner-p', currency: 'EUR' } });
    for (let i = 0; i < 24; i++) await deposit('1');
  });

  it('walks the stream oldest first, `first` events a page, until the last page says there is no next', async () => {
    const one = await page({ first: 10 });
    expect(revisionsOf(one)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(one.pageInfo).toEqual({ hasNextPage: true, endCursor: one.edges.at(-1)?.cursor });
    const two = await page({ first: 10, after: one.pageInfo.endCursor });
    expect(revisionsOf(two)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const last = await page({ first: 10, after: two.pageInfo.endCursor });
    expect(revisionsOf(last)).toEqual([20, 21, 22, 23, 24]);
    expect(last.pageInfo.hasNextPage).toBe(false);
    const beyond = await page({ first: 10, after: last.pageInfo.endCursor });
    expect(beyond).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('answers a page of exactly the remaining events without a next page', async () => {
    const first = await page({ first: 20 });
    const rest = await page({ first: 5, after: first.pageInfo.endCursor });
    expect(revisionsOf(rest)).toEqual([20, 21, 22, 23, 24]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('gives 20 events when no `first` is given', async () => {
    expect(revisionsOf(await page({}))).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('keeps a cursor in place as the account gains events', async () => {
    const stable = randomUUID();
    await executeOk(esgraph.url, OpenAccountDocument, {
      input: { accountId: stable, ownerId: 'owner-p', currency: 'EUR' },
    });
    await executeOk(esgraph.url, DepositDocument, { input: { accountId: stable, amount: '1', source: 'cash' } });
    const read = async (after?: string | null) =>
      (await executeOk(esgraph.url, AccountHistoryDocument, { id: stable, first: 1, after })).accountHistory;
    const opened = await read();
    expect(opened.pageInfo.hasNextPage).toBe(true);
    const before = await read(opened.pageInfo.endCursor);
    await executeOk(esgraph.url, DepositDocument, { input: { accountId: stable, amount: '2', source: 'cash' } });
    const after = await read(opened.pageInfo.endCursor);
    expect(after.edges).toEqual(before.edges);
    expect(after.edges.map(({ node }) => node.revision)).toEqual([1]);
    expect(after.pageInfo.hasNextPage).toBe(true);
  });

  it.each([
    ['a page above 100', { first: 101 }],
    ['an empty page', { first: 0 }],
    ['a cursor it did not return', { first: 10, after: 'bm90LWEtY3Vyc29y' }],
    ['a cursor of another list', { first: 10, after: Buffer.from('accounts:1').toString('base64url') }],
  ])('refuses %s as BAD_USER_INPUT', async (_, variables) => {
    const answer = await execute(esgraph.url, AccountHistoryDocument, { id: accountId, ...variables });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.data?.accountHistory ?? null).toBeNull();
  });

  it('serves a page of 100, the largest', async () => {
    expect(revisionsOf(await page({ first: 100 }))).toHaveLength(25);
  });
});
