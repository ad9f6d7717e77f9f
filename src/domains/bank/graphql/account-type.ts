import { GraphQLDateTime } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { MinorUnits } from '../money.js';
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
}
