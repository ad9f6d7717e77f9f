import { Arg, Args, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { formatMinorUnits, type MinorUnits, positionToken, ValidationError } from '../../../core/index.js';
import {
  Cost,
  connectionOf,
  connectionType,
  DateTimeScalar,
  JSONScalar,
  MoneyScalar,
  PageArgs,
} from '../../../graphql/kit/index.js';
import { type AccountState, eventsAsOf, foldAccount } from '../account.js';
import { eventOccurredAt, type RecordedBankEvent } from '../events.js';
import { Account } from './account-type.js';
import type { BankContext } from './bank-context.js';

@ObjectType({
  description:
    'One event of an account’s stream, read the way the account itself reads it: its data in the current shape, whatever schema version it was stored in.',
})
export class AccountEvent {
  @Field(() => String)
  type!: string;

  @Field(() => Int)
  revision!: number;

  @Field(() => String, { description: 'Where the event sits in the global log (a `consistentWith` token).' })
  position!: string;

  @Field(() => DateTimeScalar, { description: 'When it happened: the time of the command that caused it.' })
  occurredAt!: Date;

  @Field(() => MoneyScalar, {
    nullable: true,
    description: 'How much moved: deposits, withdrawals and transfers’ debits, credits and refunds only.',
  })
  amount!: MinorUnits | null;

  @Field(() => MoneyScalar, {
    nullable: true,
    description: 'The account’s balance right after it: for the events that move money only (see `amount`).',
  })
  balanceAfter!: MinorUnits | null;

  @Field(() => JSONScalar, {
    description:
      'The event’s data in its current shape, with amounts as decimal strings like `Money` ("20.25"). A deposit stored before deposits named their source shows source "unspecified".',
  })
  data!: unknown;

  @Field(() => JSONScalar, {
    description: 'Command id, correlation and causation ids, and the schema version the event was stored in.',
  })
  metadata!: unknown;
}

/** A page of an account's history. */
export const AccountEventConnection = connectionType(AccountEvent);
export type AccountEventConnection = InstanceType<typeof AccountEventConnection>;

/** The event's data as clients read it: money as the decimal text `Money` shows, never minor units. */
const dataShown = (event: RecordedBankEvent): unknown => {
  const moved = moneyMoved(event);
  if (moved === undefined) return event.data;
  return { ...moved, amount: formatMinorUnits(moved.amount), balanceAfter: formatMinorUnits(moved.balanceAfter) };
};

/** The data of an event that moves money, whose amount and balance after it the history shows. */
const moneyMoved = (event: RecordedBankEvent) => {
  switch (event.type) {
    case 'MoneyDeposited':
    case 'MoneyWithdrawn':
    case 'MoneyTransferredOut':
    case 'MoneyTransferredIn':
    case 'TransferOutRefunded':
      return event.data;
    case 'AccountOpened':
    case 'AccountClosed':
    case 'AccountCloseRequested':
    case 'AccountCloseCancelled':
      return undefined;
  }
};

const toAccountEvent = (event: RecordedBankEvent): AccountEvent => {
  const moved = moneyMoved(event);
  return {
    type: event.type,
    revision: Number(event.revision),
    position: positionToken(event.position),
    occurredAt: new Date(eventOccurredAt(event)),
    amount: moved?.amount ?? null,
    balanceAfter: moved?.balanceAfter ?? null,
    data: dataShown(event),
    metadata: event.metadata,
  };
};

const toAccount = (state: AccountState, last: RecordedBankEvent | undefined): Account | null =>
  state.status === 'new' || last === undefined
    ? null
    : Account.of({
        id: state.accountId,
        ownerId: state.ownerId,
        currency: state.currency,
        balance: state.balance,
        status: state.status === 'open' ? 'OPEN' : 'CLOSED',
        openedAt: state.openedAt,
        ...(state.status === 'open' && state.closeRequestedAt !== undefined
          ? { closeRequestedAt: state.closeRequestedAt }
          : {}),
        revision: Number(last.revision),
        position: last.position,
      });

/**
 * The account as it stood after the last event at or before both limits: a revision, and a time
 * (the business time events record), cut as {@link eventsAsOf} cuts it.
 */
const accountAsOf = (events: readonly RecordedBankEvent[], at: Date | undefined, revision: number | undefined) => {
  const upTo = revision === undefined ? events : events.filter((event) => event.revision <= BigInt(revision));
  const kept = at === undefined ? upTo : eventsAsOf(upTo, at.toISOString());
  return toAccount(foldAccount(kept), kept.at(-1));
};

/**
 * Temporal and audit queries. They read the account's event stream on purpose, not a read model:
 * the log is the full history, and any past state can be rebuilt from it.
 */
/**
 * What one read of a whole account stream (`accountAsOf`) weighs in the document cost limit: as
 * much as a full page of a read model (100 events), so a document cannot ask for many at once
 * (MAX_QUERY_COST, 1,000 by default, allows ten).
 */
const logReadWeight = 100;

@Resolver()
export class AccountHistoryQueries {
  // A page reads `first` events (one more, to know of a next page), so its `first` is what it
  // weighs: the cost rule multiplies the selection by it, as for every connection.
  @Cost({ weight: 1 })
  @Query(() => AccountEventConnection, {
    description:
      'The account’s events, oldest first (by revision): the audit trail, a page at a time. Each page is read from the log alone; a cursor names its event’s revision, so pages do not shift as the account gains events.',
  })
  async accountHistory(
    @Arg('id', () => ID) id: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: BankContext,
  ): Promise<AccountEventConnection> {
    return connectionOf(await ctx.bank.accountEventPage(id, { first, after }, ctx), toAccountEvent);
  }

  @Cost({ weight: logReadWeight })
  @Query(() => Account, {
    nullable: true,
    description:
      'The account rebuilt from its events up to a time and/or a revision (both optional; both apply when given). Null if it did not exist yet.',
  })
  async accountAsOf(
    @Arg('id', () => ID) id: string,
    @Arg('at', () => DateTimeScalar, { nullable: true }) at: Date | null | undefined,
    @Arg('revision', () => Int, { nullable: true }) revision: number | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<Account | null> {
    if (revision !== null && revision !== undefined && revision < 0) {
      throw new ValidationError(`revision must be 0 or more, got ${revision}`, 'revision');
    }
    return accountAsOf(await ctx.bank.accountEvents(id, ctx), at ?? undefined, revision ?? undefined);
  }
}
