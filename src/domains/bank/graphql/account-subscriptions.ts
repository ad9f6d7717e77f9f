import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import { sinceArg } from '../../../graphql/kit/index.js';
import type { AccountSummary } from '../projections/account-summary.js';
import type { TransactionRecord } from '../projections/transactions.js';
import { Account } from './account-type.js';
import type { BankContext } from './bank-context.js';
import { Transaction } from './transaction-type.js';

/** What `subscribe` receives: the context and the arguments as graphql-js coerced them. */
interface Subscribing<Args> {
  readonly context: BankContext;
  readonly args: Args & { readonly since?: string | null };
}

/**
 * Live changes of the bank's read models over graphql-ws, fed by Redis pub/sub, so a change
 * projected anywhere reaches subscribers on every instance. `subscribe` hands over the feed;
 * each method turns one of its items into the GraphQL type.
 */
@Resolver()
export class AccountSubscriptions {
  @Subscription(() => Account, {
    description: 'The account after each change, in log order.',
    subscribe: ({ context, args }: Subscribing<{ id: string }>) => context.bank.accountUpdates(args.id, args.since),
  })
  accountUpdated(
    @Root() account: AccountSummary,
    @Arg('id', () => ID) _id: string,
    @Arg('since', () => String, sinceArg) _since: string | null | undefined,
  ): Account {
    return Account.of(account);
  }

  @Subscription(() => Transaction, {
    description: 'Each transaction as it is recorded, of one account or, without `accountId`, of every account.',
    subscribe: ({ context, args }: Subscribing<{ accountId?: string | null }>) =>
      context.bank.transactionsRecorded(args.accountId, args.since),
  })
  transactionRecorded(
    @Root() transaction: TransactionRecord,
    @Arg('accountId', () => ID, { nullable: true }) _accountId: string | null | undefined,
    @Arg('since', () => String, sinceArg) _since: string | null | undefined,
  ): Transaction {
    return Transaction.of(transaction);
  }
}
