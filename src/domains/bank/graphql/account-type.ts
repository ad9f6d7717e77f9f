import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { type MinorUnits, positionToken } from '../../../core/index.js';
import { DateTimeScalar, MoneyScalar } from '../../../graphql/kit/index.js';
import type { AccountSummary } from '../projections/account-summary.js';

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

  @Field(() => DateTimeScalar)
  openedAt!: Date;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      'When a close was requested (`requestAccountClose`) that is still pending: the account takes no money in, and closes once money out leaves it at zero. Null while none is.',
  })
  closeRequestedAt!: Date | null;

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
      closeRequestedAt: summary.closeRequestedAt === undefined ? null : new Date(summary.closeRequestedAt),
      revision: summary.revision,
      position: positionToken(summary.position),
    };
  }
}
