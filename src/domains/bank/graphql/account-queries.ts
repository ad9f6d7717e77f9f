import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { defaultPageSize, maxPageSize } from '../../../core/index.js';
import { Account } from './account-type.js';
import type { BankContext } from './bank-context.js';
import { BankStats } from './bank-stats-type.js';
import { AccountConnection, connectionOf, TransactionConnection } from './connections.js';
import { Transaction } from './transaction-type.js';

const consistentWith = {
  nullable: true,
  description:
    'A position a mutation returned: the answer waits until the read models it comes from include that position (CONSISTENCY_TIMEOUT if they do not in time).',
} as const;

const first = {
  nullable: true,
  defaultValue: defaultPageSize,
  description: `Page size, 1 to ${maxPageSize}.`,
} as const;

const after = { nullable: true, description: 'The `endCursor` of the previous page.' } as const;

/** Queries of the bank's read models: Redis only, eventually consistent unless `consistentWith` is given. */
@Resolver()
export class AccountQueries {
  @Query(() => Account, { nullable: true, description: 'An account as its read model holds it; null if unknown.' })
  async account(
    @Arg('id', () => ID) id: string,
    @Arg('consistentWith', () => String, consistentWith) position: string | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<Account | null> {
    const summary = await ctx.bank.account(id, position);
    return summary === undefined ? null : Account.of(summary);
  }

  @Query(() => AccountConnection, { description: 'Accounts in the order they were opened, of one owner or all.' })
  async accounts(
    @Arg('ownerId', () => ID, { nullable: true }) ownerId: string | null | undefined,
    @Arg('first', () => Int, first) size: number | null | undefined,
    @Arg('after', () => String, after) cursor: string | null | undefined,
    @Arg('consistentWith', () => String, consistentWith) position: string | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<AccountConnection> {
    const page = await ctx.bank.accounts({ ownerId, first: size, after: cursor, consistentWith: position });
    return connectionOf(page, Account.of);
  }

  @Query(() => TransactionConnection, { description: 'An account’s deposits and withdrawals, newest first.' })
  async transactions(
    @Arg('accountId', () => ID) accountId: string,
    @Arg('first', () => Int, first) size: number | null | undefined,
    @Arg('after', () => String, after) cursor: string | null | undefined,
    @Arg('consistentWith', () => String, consistentWith) position: string | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<TransactionConnection> {
    const page = await ctx.bank.transactions({ accountId, first: size, after: cursor, consistentWith: position });
    return connectionOf(page, Transaction.of);
  }

  @Query(() => BankStats, { description: 'Totals per currency (balance, deposited, withdrawn, open accounts).' })
  async bankStats(
    @Arg('consistentWith', () => String, consistentWith) position: string | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<BankStats> {
    return new BankStats(await ctx.bank.bankStats(position));
  }
}
