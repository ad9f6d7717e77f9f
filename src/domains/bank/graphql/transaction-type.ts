import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { type MinorUnits, positionToken } from '../../../core/index.js';
import { DateTimeScalar, MoneyScalar } from '../../../graphql/kit/index.js';
import type { TransactionRecord } from '../projections/transactions.js';

export enum TransactionKind {
  DEPOSIT = 'DEPOSIT',
  WITHDRAWAL = 'WITHDRAWAL',
  TRANSFER_IN = 'TRANSFER_IN',
  TRANSFER_OUT = 'TRANSFER_OUT',
  TRANSFER_REFUND = 'TRANSFER_REFUND',
}

registerEnumType(TransactionKind, {
  name: 'TransactionKind',
  valuesConfig: {
    TRANSFER_OUT: { description: 'Paid out to another account by a transfer.' },
    TRANSFER_IN: { description: 'Received from another account by a transfer.' },
    TRANSFER_REFUND: { description: 'Given back: a transfer out whose credit was refused.' },
  },
});

@ObjectType({ description: 'Money moving into or out of an account. Recorded once, never changed.' })
export class Transaction {
  @Field(() => ID, { description: 'The id of the event that recorded it.' })
  id!: string;

  @Field(() => ID)
  accountId!: string;

  @Field(() => TransactionKind)
  kind!: TransactionKind;

  @Field(() => MoneyScalar)
  amount!: MinorUnits;

  @Field(() => MoneyScalar, { description: 'The account’s balance right after it.' })
  balanceAfter!: MinorUnits;

  @Field(() => DateTimeScalar)
  occurredAt!: Date;

  @Field(() => String, {
    description:
      'Where it sits in the global log: pass it as `since` to `transactionRecorded` to resume after it, or as `consistentWith`.',
  })
  position!: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The transfer that moved it: set on TRANSFER_OUT, TRANSFER_IN and TRANSFER_REFUND, null otherwise.',
  })
  transferId!: string | null;

  static of(record: TransactionRecord): Transaction {
    return {
      id: record.id,
      accountId: record.accountId,
      kind: TransactionKind[record.kind],
      amount: record.amount,
      balanceAfter: record.balanceAfter,
      occurredAt: new Date(record.occurredAt),
      position: positionToken(record.position),
      transferId: record.transferId ?? null,
    };
  }
}
