import { GraphQLDateTime, GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { StoredEvent } from '../../../core/commands/aggregate.js';
import { ValidationError } from '../../../core/errors.js';
import { positionToken } from '../../../core/eventstore/positions.js';
import { type AccountState, evolve, initialState } from '../account.js';
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

  @Field(() => GraphQLDateTime, { description: 'When it happened: the time of the command that caused it.' })
  occurredAt!: Date;

  @Field(() => GraphQLJSON)
  data!: unknown;

  @Field(() => GraphQLJSON, { description: 'Command id, correlation and causation ids, schema version.' })
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
 * (the business time events record). Events are taken in stream order up to the first one past
 * a limit: the stream's order, not the clocks of the nodes that wrote it, is the truth.
 */
const accountAsOf = (stored: readonly StoredEvent[], at: Date | undefined, revision: number | undefined) => {
  let state = initialState;
  let last: StoredEvent | undefined;
  for (const record of stored) {
    if (revision !== undefined && record.revision > BigInt(revision)) break;
    const event = decodeBankEvent(record);
    if (!event) continue;
    if (at !== undefined && Date.parse(eventOccurredAt(event)) > at.getTime()) break;
    state = evolve(state, event);
    last = record;
  }
  return toAccount(state, last);
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
    @Arg('at', () => GraphQLDateTime, { nullable: true }) at: Date | null | undefined,
    @Arg('revision', () => Int, { nullable: true }) revision: number | null | undefined,
    @Ctx() ctx: BankContext,
  ): Promise<Account | null> {
    if (revision !== null && revision !== undefined && revision < 0) {
      throw new ValidationError(`revision must be 0 or more, got ${revision}`, 'revision');
    }
    return accountAsOf(await ctx.bank.accountEvents(id), at ?? undefined, revision ?? undefined);
  }
}
