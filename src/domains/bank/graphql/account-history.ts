import { Arg, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { positionToken, type StoredEvent, ValidationError } from '../../../core/index.js';
import { DateTimeScalar, JSONScalar } from '../../../graphql/kit/index.js';
import { type AccountState, eventsAsOf, foldAccount } from '../account.js';
import { eventOccurredAt } from '../events.js';
import { decodeBankEvent } from '../stored-events.js';
import { Account } from './account-type.js';
import type { BankContext } from './bank-context.js';

@ObjectType({ description: 'One event of an account’s stream, as recorded.' })
export class AccountEvent {
  @Field(() => String)
  type!: string;

  @Field(() => Int)
  revision!: number;

  @Field(() => String, { description: 'Where the event sits in the global log (a `consistentWith` token).' })
  position!: string;

  @Field(() => DateTimeScalar, { description: 'When it happened: the time of the command that caused it.' })
  occurredAt!: Date;

  @Field(() => JSONScalar)
  data!: unknown;

  @Field(() => JSONScalar, { description: 'Command id, correlation and causation ids, schema version.' })
  metadata!: unknown;
}

const toAccountEvent = (stored: StoredEvent): AccountEvent => {
  const event = decodeBankEvent(stored);
  return {
    type: stored.type,
    revision: Number(stored.revision),
    position: positionToken(stored.position),
    occurredAt: event ? new Date(eventOccurredAt(event)) : stored.created,
    data: stored.data,
    metadata: stored.metadata,
  };
};

const toAccount = (state: AccountState, last: StoredEvent | undefined): Account | null =>
  state.status === 'new' || last === undefined
    ? null
    : Account.of({
        id: state.accountId,
        ownerId: state.ownerId,
        currency: state.currency,
        balance: state.balance,
        status: state.status === 'open' ? 'OPEN' : 'CLOSED',
        openedAt: state.openedAt,
        revision: Number(last.revision),
        position: last.position,
      });

/**
 * The account as it stood after the last event at or before both limits: a revision, and a time
 * (the business time events record), cut as {@link eventsAsOf} cuts it.
 */
const accountAsOf = (stored: readonly StoredEvent[], at: Date | undefined, revision: number | undefined) => {
  const upTo = revision === undefined ? stored : stored.filter((record) => record.revision <= BigInt(revision));
  const decoded = upTo.flatMap((record) => {
    const event = decodeBankEvent(record);
    return event ? [{ record, event }] : [];
  });
  const events = decoded.map(({ event }) => event);
  const kept = at === undefined ? events : eventsAsOf(events, at.toISOString());
  return toAccount(foldAccount(kept), decoded[kept.length - 1]?.record);
};

/**
 * Temporal and audit queries. They read the account's event stream on purpose, not a read model:
 * the log is the full history, and any past state can be rebuilt from it.
 */
@Resolver()
export class AccountHistoryQueries {
  @Query(() => [AccountEvent], { description: 'Every event of the account, oldest first: the audit trail.' })
  async accountHistory(@Arg('id', () => ID) id: string, @Ctx() ctx: BankContext): Promise<AccountEvent[]> {
    return (await ctx.bank.accountEvents(id)).map(toAccountEvent);
  }

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
    return accountAsOf(await ctx.bank.accountEvents(id), at ?? undefined, revision ?? undefined);
  }
}
