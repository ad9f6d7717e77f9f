import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningEsgraph } from '../../../src/app.js';
import { guardSchema } from '../../../src/graphql/access/access-guard.js';
import { serverAccessPolicy } from '../../../src/graphql/access/server-policy.js';
import { buildEsgraphSchema } from '../../../src/graphql/schema.js';
import type { Role } from '../../../src/identity/index.js';
import {
  AccountAsOfDocument,
  AccountDocument,
  AccountHistoryDocument,
  AccountsDocument,
  AccountUpdatedDocument,
  BankStatsDocument,
  CancelAccountCloseDocument,
  CloseAccountDocument,
  DepositDocument,
  HeartbeatDocument,
  OpenAccountDocument,
  ProjectionsDocument,
  RequestAccountCloseDocument,
  RequestTransferDocument,
  ServerInfoDocument,
  TransactionRecordedDocument,
  TransactionsDocument,
  TransferDocument,
  TransfersDocument,
  TransferUpdatedDocument,
  WithdrawDocument,
} from '../../generated/graphql.js';
import { startTestDependencies, startTestEsgraph, type TestDependencies } from '../../support/esgraph.js';
import { executeAs, executeOkAs, type GraphQLResponse } from '../../support/graphql-client.js';
import { capturedLogger } from '../../support/identity.js';
import { bearer, testToken } from '../../support/test-tokens.js';

/*
 * The access policy, tried as its callers meet it: every root operation of the schema (found by
 * walking it, so a new operation without a case fails here) with each kind of caller: no token,
 * the customer who owns the account, another customer, a teller, a manager, an auditor. Queries
 * and mutations go over HTTP, subscriptions over graphql-ws, against one server with the policy
 * on, as production runs it.
 */

const callers = ['none', 'owner', 'otherCustomer', 'teller', 'manager', 'auditor'] as const;
type Who = (typeof callers)[number];
type Outcome = 'allowed' | 'denied';

const staff: readonly Who[] = ['teller', 'manager', 'auditor'];
const oversight: readonly Who[] = ['manager', 'auditor'];
const signedIn: readonly Who[] = ['owner', 'otherCustomer', 'teller', 'manager', 'auditor'];

interface Case {
  /** The root field, as `Type.field`. */
  readonly operation: string;
  /** What this case varies, when one operation has several. */
  readonly variant?: string;
  readonly allowed: readonly Who[];
  readonly run: (who: Who) => Promise<Outcome>;
}

describe('who may do what: the access policy', () => {
  let dependencies: TestDependencies;
  let esgraph: RunningEsgraph;
  const captured = capturedLogger();
  const tokens = {} as Record<Who, string | null>;
  const ann = `ann-${randomUUID()}`;
  const bob = `bob-${randomUUID()}`;
  /** Ann's account, with money in it, and Bob's. */
  let annAccount: string;
  let bobAccount: string;
  let annOpenedAt: string;
  /** Transfers between Ann's account and Carl's (neither customer above is Carl), one each way. */
  let fromAnn: string;
  let toAnn: string;

  const url = () => esgraph.url;
  const asStaff = (token = tokens.teller) => token as string;

  const open = async (ownerId: string): Promise<{ accountId: string; position: string }> => {
    const accountId = randomUUID();
    const { openAccount } = await executeOkAs(asStaff(), url(), OpenAccountDocument, {
      input: { accountId, ownerId, currency: 'EUR' },
    });
    return { accountId, position: openAccount.position };
  };

  /** A new account of `ownerId` holding 1.00, so a close requested of it stays pending. */
  const funded = async (ownerId: string): Promise<string> => {
    const { accountId } = await open(ownerId);
    await executeOkAs(asStaff(), url(), DepositDocument, { input: { accountId, amount: '1.00' } });
    return accountId;
  };

  beforeAll(async () => {
    dependencies = await startTestDependencies();
    esgraph = await startTestEsgraph(dependencies, {}, {}, captured.log);
    const roleOf: Record<Exclude<Who, 'none' | 'owner' | 'otherCustomer'>, Role> = {
      teller: 'teller',
      manager: 'manager',
      auditor: 'auditor',
    };
    tokens.none = null;
    tokens.owner = await testToken(ann, ['customer']);
    tokens.otherCustomer = await testToken(bob, ['customer']);
    for (const [who, role] of Object.entries(roleOf)) tokens[who as Who] = await testToken(`${role}-1`, [role]);
    const opened = await open(ann);
    annAccount = opened.accountId;
    annOpenedAt = opened.position;
    bobAccount = (await open(bob)).accountId;
    await executeOkAs(asStaff(), url(), DepositDocument, { input: { accountId: annAccount, amount: '100.00' } });
    const carlAccount = (await open(`carl-${randomUUID()}`)).accountId;
    const transfer = async (fromAccountId: string, toAccountId: string) =>
      (
        await executeOkAs(asStaff(), url(), RequestTransferDocument, {
          input: { fromAccountId, toAccountId, amount: '1.00' },
        })
      ).transfer.transferId as string;
    fromAnn = await transfer(annAccount, carlAccount);
    toAnn = await transfer(carlAccount, annAccount);
  });
  afterAll(async () => {
    await esgraph?.stop();
    await dependencies?.stop();
  });

  /** Allowed: answered without error. Denied: FORBIDDEN. Anything else fails the test. */
  const outcomeOf = (response: GraphQLResponse<unknown>, { domainErrorsAllowed = false } = {}): Outcome => {
    const code = response.errors?.[0]?.extensions?.code;
    if (code === 'FORBIDDEN') return 'denied';
    if (code !== undefined && !domainErrorsAllowed) throw new Error(`unexpected error: ${JSON.stringify(response)}`);
    return 'allowed';
  };

  const query =
    <Data, Variables>(document: TypedDocumentNode<Data, Variables>, variables: () => Variables) =>
    async (who: Who): Promise<Outcome> =>
      outcomeOf(await executeAs(tokens[who], url(), document, ...([variables()] as never)));

  /**
   * Subscribes as `who` and reads the first message: data is allowed, FORBIDDEN denied; a
   * connection without a token is closed with 4401 before any subscription runs (denied too).
   */
  const subscription =
    <Data, Variables>(document: TypedDocumentNode<Data, Variables>, variables: () => Variables) =>
    async (who: Who): Promise<Outcome> => {
      const token = tokens[who];
      const client = createClient({
        url: url().replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: token === null ? {} : { authorization: bearer(token) },
      });
      try {
        const results = client.iterate({ query: print(document), variables: variables() as Record<string, unknown> });
        const first = await results.next();
        await results.return?.();
        return outcomeOf(first.value as GraphQLResponse<unknown>);
      } catch (error) {
        if ((error as { code?: number }).code === 4401 && token === null) return 'denied';
        throw error;
      } finally {
        await client.dispose();
      }
    };

  const cases: readonly Case[] = [
    { operation: 'Query.serverInfo', allowed: callers, run: query(ServerInfoDocument, () => ({})) },
    { operation: 'Query.projections', allowed: oversight, run: query(ProjectionsDocument, () => ({})) },
    {
      operation: 'Query.account',
      variant: 'an account of the owner',
      allowed: ['owner', ...staff],
      run: query(AccountDocument, () => ({ id: annAccount })),
    },
    {
      operation: 'Query.account',
      variant: 'an account nobody opened',
      allowed: staff,
      run: query(AccountDocument, () => ({ id: randomUUID() })),
    },
    {
      operation: 'Query.accounts',
      variant: 'without an owner (a customer gets its own)',
      allowed: signedIn,
      run: query(AccountsDocument, () => ({})),
    },
    {
      operation: 'Query.accounts',
      variant: 'of the owner',
      allowed: ['owner', ...staff],
      run: query(AccountsDocument, () => ({ ownerId: ann })),
    },
    {
      operation: 'Query.transactions',
      allowed: ['owner', ...staff],
      run: query(TransactionsDocument, () => ({ accountId: annAccount })),
    },
    { operation: 'Query.bankStats', allowed: oversight, run: query(BankStatsDocument, () => ({})) },
    {
      operation: 'Query.accountHistory',
      allowed: staff,
      run: query(AccountHistoryDocument, () => ({ id: annAccount })),
    },
    { operation: 'Query.accountAsOf', allowed: staff, run: query(AccountAsOfDocument, () => ({ id: annAccount })) },
    {
      operation: 'Mutation.openAccount',
      variant: 'for the owner',
      allowed: ['owner', 'teller'],
      run: async (who) =>
        outcomeOf(
          await executeAs(tokens[who], url(), OpenAccountDocument, {
            input: { accountId: randomUUID(), ownerId: ann, currency: 'EUR' },
          }),
        ),
    },
    {
      operation: 'Mutation.deposit',
      allowed: ['owner', 'teller'],
      run: async (who) =>
        outcomeOf(
          await executeAs(tokens[who], url(), DepositDocument, { input: { accountId: annAccount, amount: '1.00' } }),
        ),
    },
    {
      operation: 'Mutation.withdraw',
      allowed: ['owner', 'teller'],
      run: async (who) =>
        outcomeOf(
          await executeAs(tokens[who], url(), WithdrawDocument, { input: { accountId: annAccount, amount: '0.01' } }),
        ),
    },
    {
      operation: 'Mutation.closeAccount',
      allowed: ['owner', 'teller'],
      run: async (who) => {
        const { accountId } = await open(ann);
        return outcomeOf(await executeAs(tokens[who], url(), CloseAccountDocument, { input: { accountId } }));
      },
    },
    {
      operation: 'Mutation.requestAccountClose',
      variant: 'of an account holding money',
      allowed: ['owner', 'teller'],
      run: async (who) => {
        const accountId = await funded(ann);
        return outcomeOf(await executeAs(tokens[who], url(), RequestAccountCloseDocument, { input: { accountId } }));
      },
    },
    {
      operation: 'Mutation.cancelAccountClose',
      variant: 'of a pending close',
      allowed: ['owner', 'teller'],
      run: async (who) => {
        const accountId = await funded(ann);
        await executeOkAs(asStaff(), url(), RequestAccountCloseDocument, { input: { accountId } });
        return outcomeOf(await executeAs(tokens[who], url(), CancelAccountCloseDocument, { input: { accountId } }));
      },
    },
    {
      operation: 'Mutation.transfer',
      variant: 'from the owner’s account',
      allowed: ['owner', 'teller'],
      run: async (who) =>
        outcomeOf(
          await executeAs(tokens[who], url(), RequestTransferDocument, {
            input: { fromAccountId: annAccount, toAccountId: bobAccount, amount: '0.01' },
          }),
        ),
    },
    {
      operation: 'Query.transfer',
      variant: 'from the owner’s account',
      allowed: ['owner', ...staff],
      run: query(TransferDocument, () => ({ id: fromAnn })),
    },
    {
      operation: 'Query.transfer',
      variant: 'to the owner’s account',
      allowed: ['owner', ...staff],
      run: query(TransferDocument, () => ({ id: toAnn })),
    },
    {
      operation: 'Query.transfer',
      variant: 'a transfer nobody asked for',
      allowed: staff,
      run: query(TransferDocument, () => ({ id: randomUUID() })),
    },
    {
      operation: 'Query.transfers',
      allowed: ['owner', ...staff],
      run: query(TransfersDocument, () => ({ accountId: annAccount })),
    },
    {
      operation: 'Subscription.transferUpdated',
      variant: 'to the owner’s account',
      allowed: ['owner', ...staff],
      run: subscription(TransferUpdatedDocument, () => ({ id: toAnn, since: annOpenedAt })),
    },
    {
      operation: 'Subscription.accountUpdated',
      allowed: ['owner', ...staff],
      run: subscription(AccountUpdatedDocument, () => ({ id: annAccount, since: annOpenedAt })),
    },
    {
      operation: 'Subscription.transactionRecorded',
      variant: 'of the owner’s account',
      allowed: ['owner', ...staff],
      run: subscription(TransactionRecordedDocument, () => ({ accountId: annAccount, since: annOpenedAt })),
    },
    {
      operation: 'Subscription.transactionRecorded',
      variant: 'of every account',
      allowed: staff,
      run: subscription(TransactionRecordedDocument, () => ({ since: annOpenedAt })),
    },
    {
      operation: 'Subscription.heartbeat',
      allowed: signedIn,
      run: subscription(HeartbeatDocument, () => ({ intervalMs: 10 })),
    },
  ];

  it('has a case for every root operation of the schema', async () => {
    const schema = await buildEsgraphSchema();
    const operations = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
      Object.keys(type?.getFields() ?? {}).map((field) => `${type?.name}.${field}`),
    );
    const covered = new Set(cases.map((entry) => entry.operation));
    expect(operations.filter((operation) => !covered.has(operation))).toEqual([]);
    expect([...covered].filter((operation) => !operations.includes(operation))).toEqual([]);
  });

  for (const entry of cases) {
    const name = entry.variant === undefined ? entry.operation : `${entry.operation} (${entry.variant})`;
    it(`${name}: allowed for ${entry.allowed.join(', ') || 'nobody'}, FORBIDDEN for the others`, async () => {
      const outcomes: Record<string, Outcome> = {};
      for (const who of callers) outcomes[who] = await entry.run(who);
      const expected = Object.fromEntries(
        callers.map((who) => [who, entry.allowed.includes(who) ? 'allowed' : 'denied']),
      );
      expect(outcomes).toEqual(expected);
    });
  }

  const historyLength = async (accountId: string): Promise<number> =>
    (await executeOkAs(asStaff(), url(), AccountHistoryDocument, { id: accountId, first: 100 })).accountHistory.edges
      .length;

  it('changes nothing on a refused command, and answers another owner’s account as it answers a missing one', async () => {
    const { accountId: emptyAccount } = await open(bob);
    const before = await Promise.all([historyLength(annAccount), historyLength(emptyAccount)]);
    const missing = randomUUID();
    const refusals = await Promise.all([
      executeAs(tokens.otherCustomer, url(), DepositDocument, { input: { accountId: annAccount, amount: '5.00' } }),
      executeAs(tokens.otherCustomer, url(), WithdrawDocument, { input: { accountId: annAccount, amount: '5.00' } }),
      executeAs(tokens.owner, url(), CloseAccountDocument, { input: { accountId: emptyAccount } }),
      executeAs(tokens.manager, url(), DepositDocument, { input: { accountId: annAccount, amount: '5.00' } }),
      executeAs(tokens.auditor, url(), CloseAccountDocument, { input: { accountId: emptyAccount } }),
      executeAs(tokens.none, url(), DepositDocument, { input: { accountId: annAccount, amount: '5.00' } }),
      // Opening for someone else, or over an id another owner holds.
      executeAs(tokens.otherCustomer, url(), OpenAccountDocument, {
        input: { accountId: missing, ownerId: ann, currency: 'EUR' },
      }),
      executeAs(tokens.owner, url(), OpenAccountDocument, {
        input: { accountId: emptyAccount, ownerId: ann, currency: 'EUR' },
      }),
    ]);
    expect(refusals.map((response) => response.errors?.[0]?.extensions?.code)).toEqual(refusals.map(() => 'FORBIDDEN'));
    expect(await Promise.all([historyLength(annAccount), historyLength(emptyAccount), historyLength(missing)])).toEqual(
      [...before, 0],
    );

    const strip = (response: GraphQLResponse<unknown>) => ({ data: response.data, errors: response.errors });
    const [foreign, nobodys] = await Promise.all([
      executeAs(tokens.owner, url(), AccountDocument, { id: bobAccount }),
      executeAs(tokens.owner, url(), AccountDocument, { id: randomUUID() }),
    ]);
    expect(strip(foreign)).toEqual(strip(nobodys));
    const [depositForeign, depositNobodys] = await Promise.all([
      executeAs(tokens.owner, url(), DepositDocument, { input: { accountId: bobAccount, amount: '1.00' } }),
      executeAs(tokens.owner, url(), DepositDocument, { input: { accountId: randomUUID(), amount: '1.00' } }),
    ]);
    expect(strip(depositForeign)).toEqual(strip(depositNobodys));
    expect(depositForeign.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lets a customer command the account it opened at once, before any read model has it', async () => {
    const accountId = randomUUID();
    await executeOkAs(tokens.owner, url(), OpenAccountDocument, {
      input: { accountId, ownerId: ann, currency: 'EUR' },
    });
    const deposited = await executeAs(tokens.owner, url(), DepositDocument, { input: { accountId, amount: '2.50' } });
    expect(deposited.errors).toBeUndefined();
  });

  it('lists a customer’s own accounts only, and records the issuing user in its events', async () => {
    const { data } = await executeAs(tokens.owner, url(), AccountsDocument, { first: 100 });
    const owners = new Set(data?.accounts.edges.map(({ node }) => node.ownerId));
    expect([...owners]).toEqual([ann]);
    const history = await executeOkAs(asStaff(), url(), AccountHistoryDocument, { id: annAccount, first: 100 });
    const ownDeposit = history.accountHistory.edges.find(
      ({ node }) => (node.metadata as { userId?: string }).userId === ann,
    );
    expect(ownDeposit?.node.type).toBe('MoneyDeposited');
  });

  it('logs every read an auditor makes, with its user id', async () => {
    const before = captured.lines().length;
    await executeOkAs(tokens.auditor, url(), AccountDocument, { id: annAccount });
    await executeOkAs(tokens.auditor, url(), AccountHistoryDocument, { id: annAccount });
    const audited = captured
      .lines()
      .slice(before)
      .filter((line) => line.audit === true);
    expect(
      audited.map(({ userId, operation, args }) => ({ userId, operation, id: (args as { id: string }).id })),
    ).toEqual([
      { userId: 'auditor-1', operation: 'Query.account', id: annAccount },
      { userId: 'auditor-1', operation: 'Query.accountHistory', id: annAccount },
    ]);
    // Counted from here: the request log writes a line per operation between the audit lines.
    const afterAuditor = captured.lines().length;
    await executeOkAs(tokens.teller, url(), AccountDocument, { id: annAccount });
    expect(
      captured
        .lines()
        .slice(afterAuditor)
        .filter((line) => line.audit === true),
    ).toEqual([]);
  });

  it('refuses to guard a schema with an operation no policy has a rule for', async () => {
    const schema = await buildEsgraphSchema();
    expect(() => guardSchema(schema, [serverAccessPolicy])).toThrow(/^Query\.\w+ has no access rule/);
  });
});
