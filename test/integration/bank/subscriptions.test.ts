import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeChannel } from '../../../src/core/pubsub/channels.js';
import { connectRedis, type RedisClient } from '../../../src/core/redis/client.js';
import { AccountDocument, AccountUpdatedDocument, TransactionRecordedDocument } from '../../generated/graphql.js';
import { bankApi } from '../../support/bank-api.js';
import { useTestEsgraph } from '../../support/esgraph.js';
import { executeOk, type GraphQLResponse, subscribe, wsClient } from '../../support/graphql-client.js';
import { waitFor } from '../../support/wait-for.js';

/*
 * Two esgraph instances on one event store and one Redis. Subscribers connect to the first;
 * mutations go through the second, so every update crosses instances through Redis pub/sub.
 */
describe('bank subscriptions over graphql-ws', () => {
  const esgraph = useTestEsgraph(2);
  const subscriberUrl = () => esgraph.instances[0]!.url.replace(/^http/, 'ws');
  const bank = bankApi(() => esgraph.instances[1]!.url);
  let redis: RedisClient;
  const clients: ReturnType<typeof wsClient>[] = [];

  beforeAll(async () => {
    redis = await connectRedis(esgraph.dependencies.redis.url);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await redis?.close();
  });

  const connect = () => {
    const client = wsClient(subscriberUrl());
    clients.push(client);
    return client;
  };

  const listeners = async (channel: string): Promise<number> => (await redis.pubSubNumSub(channel))[channel] ?? 0;
  const accountChannel = (accountId: string) => changeChannel('account-summary', `account:${accountId}`);
  const transactionsChannel = (accountId?: string) =>
    changeChannel('transactions', accountId === undefined ? 'transactions' : `transactions:${accountId}`);
  const listening = (channel: string) =>
    waitFor(`a listener on ${channel}`, async () => (await listeners(channel)) > 0);

  /** The data of the next `count` results; fails on an error result or an early end. */
  const take = async <Data>(results: AsyncIterator<GraphQLResponse<Data>>, count: number): Promise<Data[]> => {
    const taken: Data[] = [];
    while (taken.length < count) {
      const { value, done } = await results.next();
      if (done) throw new Error(`the subscription ended after ${taken.length} results`);
      if (value.errors || !value.data) throw new Error(`subscription error: ${JSON.stringify(value.errors)}`);
      taken.push(value.data);
    }
    return taken;
  };

  const firstErrorCode = async (results: AsyncIterator<GraphQLResponse<unknown>>) =>
    (await results.next()).value?.errors?.[0]?.extensions?.code;

  describe('accountUpdated', () => {
    it('pushes the whole account after each change made through the other instance, in log order', async () => {
      const { accountId, ownerId } = await bank.open({ currency: 'USD' });
      const updates = subscribe(connect(), AccountUpdatedDocument, { id: accountId });
      await listening(accountChannel(accountId));

      const positions = [
        await bank.deposit(accountId, '10.00'),
        await bank.deposit(accountId, '0.05'),
        await bank.withdraw(accountId, '10.05'),
        await bank.close(accountId),
      ];

      const received = (await take(updates, 4)).map((data) => data.accountUpdated);
      expect(received.map(({ balance, status, revision, position }) => [balance, status, revision, position])).toEqual([
        ['10.00', 'OPEN', 1, positions[0]],
        ['10.05', 'OPEN', 2, positions[1]],
        ['0.00', 'OPEN', 3, positions[2]],
        ['0.00', 'CLOSED', 4, positions[3]],
      ]);
      expect(received.every((account) => account.id === accountId && account.ownerId === ownerId)).toBe(true);
      expect(new Set(received.map((account) => account.currency))).toEqual(new Set(['USD']));
    });

    it('resumes after a reconnection with the state it missed, then live changes, without repeating any', async () => {
      const { accountId } = await bank.open();
      const first = connect();
      const before = subscribe(first, AccountUpdatedDocument, { id: accountId });
      await listening(accountChannel(accountId));
      await bank.deposit(accountId, '1.00');
      await bank.deposit(accountId, '2.00');
      const seen = (await take(before, 2)).map((data) => data.accountUpdated);
      await first.dispose();

      let missedUpTo = '';
      for (const amount of ['3.00', '4.00', '5.00']) missedUpTo = await bank.deposit(accountId, amount);
      // What it missed is in the read models before it comes back (else it would get part of it
      // first and the rest live, which is right too but not what this case is about).
      await executeOk(esgraph.instances[0]!.url, AccountDocument, { id: accountId, consistentWith: missedUpTo });
      const after = subscribe(connect(), AccountUpdatedDocument, { id: accountId, since: seen[1]!.position });
      const [missed] = await take(after, 1);
      expect(missed!.accountUpdated).toMatchObject({ balance: '15.00', revision: 5 });

      const live = await bank.deposit(accountId, '6.00');
      const [next] = await take(after, 1);
      expect(next!.accountUpdated).toMatchObject({ balance: '21.00', revision: 6, position: live });
    });

    it('sends nothing first when the state has not changed since the position given', async () => {
      const { accountId } = await bank.open();
      const current = await bank.deposit(accountId, '1.00');
      const updates = subscribe(connect(), AccountUpdatedDocument, { id: accountId, since: current });
      await listening(accountChannel(accountId));
      const live = await bank.deposit(accountId, '1.00');
      expect((await take(updates, 1))[0]!.accountUpdated).toMatchObject({ balance: '2.00', position: live });
    });

    it('costs no Redis read per change, however many subscribe', async () => {
      const { accountId } = await bank.open();
      const client = connect();
      const all = Array.from({ length: 50 }, () => subscribe(client, AccountUpdatedDocument, { id: accountId }));
      await listening(accountChannel(accountId));
      await bank.deposit(accountId, '1.00');
      await Promise.all(all.map((updates) => take(updates, 1)));

      const readsBefore = await accountReads(redis);
      expect(readsBefore).toBeGreaterThanOrEqual(50); // each subscriber read the account once, when it started
      await bank.deposit(accountId, '1.00');
      const second = await Promise.all(all.map(async (updates) => (await take(updates, 1))[0]!.accountUpdated.balance));
      expect(new Set(second)).toEqual(new Set(['2.00']));
      expect((await accountReads(redis)) - readsBefore).toBe(0);
    });
  });

  describe('transactionRecorded', () => {
    it("pushes every account's transactions when no account is named", async () => {
      const [one, two] = [await bank.open(), await bank.open()];
      const recorded = subscribe(connect(), TransactionRecordedDocument, {});
      await listening(transactionsChannel());
      const positions = [await bank.deposit(one.accountId, '1.00'), await bank.deposit(two.accountId, '2.00')];

      const received = (await take(recorded, 2)).map((data) => data.transactionRecorded);
      expect(received.map(({ accountId, kind, amount, position }) => [accountId, kind, amount, position])).toEqual([
        [one.accountId, 'DEPOSIT', '1.00', positions[0]],
        [two.accountId, 'DEPOSIT', '2.00', positions[1]],
      ]);
    });

    it('sends exactly the transactions after `since`, oldest first, then live ones, while deposits keep coming', async () => {
      const { accountId } = await bank.open();
      const positions: string[] = [];
      for (let index = 0; index < 10; index++) positions.push(await bank.deposit(accountId, '1.00'));

      const recorded = subscribe(connect(), TransactionRecordedDocument, { accountId, since: positions[2]! });
      // No waiting for the subscription: these race its catch-up read, and none may be lost or repeated.
      for (let index = 0; index < 20; index++) positions.push(await bank.deposit(accountId, '1.00'));

      const received = (await take(recorded, 27)).map((data) => data.transactionRecorded);
      expect(received.map((transaction) => transaction.position)).toEqual(positions.slice(3));
      expect(received.map((transaction) => transaction.balanceAfter)).toEqual(
        Array.from({ length: 27 }, (_, index) => `${index + 4}.00`),
      );
    });
  });

  describe('bad arguments', () => {
    it.each([
      ['a malformed account id', AccountUpdatedDocument, { id: 'no spaces allowed' }],
      ['a since that is not a position', AccountUpdatedDocument, { id: 'acc-1', since: 'last tuesday' }],
      ['a malformed account id', TransactionRecordedDocument, { accountId: '' }],
      ['a since that is not a position', TransactionRecordedDocument, { since: '-1' }],
    ] as const)('refuse %s with BAD_USER_INPUT', async (_what, document, variables) =>
      // biome-ignore lint/suspicious/noExplicitAny: the rows mix two documents' variables.
      expect(await firstErrorCode(subscribe(connect(), document as any, variables))).toBe('BAD_USER_INPUT'),
    );
  });

  it('unsubscribes the Redis channel when the client unsubscribes, even while nothing changes', async () => {
    const { accountId } = await bank.open();
    const updates = subscribe(connect(), AccountUpdatedDocument, { id: accountId });
    const waiting = updates.next();
    await listening(accountChannel(accountId));

    await updates.return?.();

    await waitFor('the channel to be unsubscribed', async () => (await listeners(accountChannel(accountId))) === 0);
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});

/** How many HGETALLs Redis has served: how readers read an account. */
const accountReads = async (redis: RedisClient): Promise<number> => {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_hgetall:calls=(\d+)/.exec(stats)?.[1] ?? 0);
};
