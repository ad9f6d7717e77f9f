import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { positionToken } from '../../../core/index.js';
import type { MinorUnits } from '../money.js';
import type { AccountSummary } from '../projections/account-summary.js';
import { MoneyScalar } from './money-scalar.js';

export enum AccountStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}

registerEnumType(AccountStatus, { name: 'AccountStatus' });

@ObjectType({ description: 'A bank account.' })
export class Account {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  ownerId!: string;

  @Field(() => String, { description: 'ISO-4217 code.' })
  currency!: string;

  @Field(() => MoneyScalar)
  balance!: MinorUnits;

  @Field(() => AccountStatus)
  status!: AccountStatus;

  @Field(() => GraphQLDateTime)
  openedAt!: Date;

  @Field(() => Int, { description: 'Revision of the account’s stream this state reflects.' })
  revision!: number;

  @Field(() => String, {
    description:
      'Where the last change this state reflects sits in the global log: pass it as `since` to `accountUpdated` to resume after it, or as `consistentWith`.',
  })
  position!: string;

  static of(summary: AccountSummary): Account {
    return {
      id: summary.id,
      ownerId: summary.ownerId,
      currency: summary.currency,
      balance: summary.balance,
      status: summary.status === 'OPEN' ? AccountStatus.OPEN : AccountStatus.CLOSED,
      openedAt: new Date(summary.openedAt),
      revision: summary.revision,
      position: positionToken(summary.position),
    };
  }
}
