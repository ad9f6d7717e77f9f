import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import { connectionOf, consistentWithArg, PageArgs } from '../../../graphql/kit/index.js';
import { Account } from './account-type.js';
import type { BankContext } from './bank-context.js';
import { BankStats } from './bank-stats-type.js';
import { AccountConnection, TransactionConnection } from './connections.js';
import { Transaction } from './transaction-type.js';

/** Queries of the bank's read models: Redis only, eventually consistent unless `consistentWith` is given. */
@Resolver()
export class AccountQueries {
  @Query(() => Account, { nullable: true, description: 'An account as its read model holds it; null if unknown.' })
  async account(
    @Arg('id', () => ID) id: string,
    @Arg('consistentWith', () => String, consistentWithArg) position: string | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<Account | null> {
    const summary = await ctx.bank.account(id, position);
    return summary === undefined ? null : Account.of(summary);
  }

  @Query(() => AccountConnection, { description: 'Accounts in the order they were opened, of one owner or all.' })
  async accounts(
    @Arg('ownerId', () => ID, { nullable: true }) ownerId: string | null | undefined,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Arg('consistentWith', () => String, consistentWithArg) position: string | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<AccountConnection> {
    const page = await ctx.bank.accounts({ ownerId, first, after, consistentWith: position });
    return connectionOf(page, Account.of);
  }

  @Query(() => TransactionConnection, { description: 'An account’s deposits and withdrawals, newest first.' })
  async transactions(
    @Arg('accountId', () => ID) accountId: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Arg('consistentWith', () => String, consistentWithArg) position: string | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<TransactionConnection> {
    const page = await ctx.bank.transactions({ accountId, first, after, consistentWith: position });
    return connectionOf(page, Transaction.of);
  }

  @Query(() => BankStats, { description: 'Totals per currency (balance, deposited, withdrawn, open accounts).' })
  async bankStats(
    @Arg('consistentWith', () => String, consistentWithArg) position: string | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<BankStats> {
    return new BankStats(await ctx.bank.bankStats(position));
  }
}
