import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { type MinorUnits, positionToken } from '../../../core/index.js';
import { DateTimeScalar, MoneyScalar } from '../../../graphql/kit/index.js';
import type { TransferRecord, TransferStepRecord } from '../projections/transfers.js';
import type { TransferStepKind } from '../transfers/transfer-state.js';

export enum TransferStatus {
  PENDING = 'PENDING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}

registerEnumType(TransferStatus, {
  name: 'TransferStatus',
  valuesConfig: {
    PENDING: { description: 'Asked for and not settled yet: the process manager is taking its steps.' },
    COMPLETED: { description: 'The target was credited. Final.' },
    FAILED: { description: 'Nothing moved: the debit was refused, or the credit was and the debit refunded. Final.' },
  },
});

export enum TransferStepKindValue {
  REQUESTED = 'REQUESTED',
  DEBITED = 'DEBITED',
  CREDITED = 'CREDITED',
  CREDIT_REFUSED = 'CREDIT_REFUSED',
  REFUNDED = 'REFUNDED',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}

registerEnumType(TransferStepKindValue, { name: 'TransferStepKind' });

const stepKinds: ReadonlySet<string> = new Set<TransferStepKind>(Object.values(TransferStepKindValue));

@ObjectType({ description: 'One step a transfer took, as its stream recorded it.' })
export class TransferStep {
  @Field(() => TransferStepKindValue)
  kind!: TransferStepKindValue;

  @Field(() => DateTimeScalar, { description: 'When the step was taken (the business time of its command).' })
  at!: Date;

  @Field(() => String, { description: 'Where the step sits in the global log.' })
  position!: string;

  static of(step: TransferStepRecord): TransferStep[] {
    if (!stepKinds.has(step.kind)) return [];
    return [
      { kind: step.kind as TransferStepKindValue, at: new Date(step.at), position: positionToken(step.position) },
    ];
  }
}

@ObjectType({ description: 'Money moving from one account to another, step by step.' })
export class Transfer {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  fromAccountId!: string;

  @Field(() => ID)
  toAccountId!: string;

  @Field(() => MoneyScalar)
  amount!: MinorUnits;

  @Field(() => String, { description: 'ISO-4217 code: the source account’s currency, and the target’s.' })
  currency!: string;

  @Field(() => TransferStatus)
  status!: TransferStatus;

  @Field(() => String, {
    nullable: true,
    description: 'Why a FAILED transfer failed: the refused step’s code (INSUFFICIENT_FUNDS, ACCOUNT_CLOSED, …).',
  })
  reason!: string | null;

  @Field(() => DateTimeScalar)
  requestedAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When a COMPLETED transfer completed; null otherwise.' })
  completedAt!: Date | null;

  @Field(() => [TransferStep], { description: 'The steps taken so far, oldest first.' })
  steps!: TransferStep[];

  @Field(() => String, {
    description:
      'Where the last change this state reflects sits in the global log: pass it as `since` to `transferUpdated` to resume after it, or as `consistentWith`.',
  })
  position!: string;

  static of(record: TransferRecord): Transfer {
    return {
      id: record.id,
      fromAccountId: record.fromAccountId,
      toAccountId: record.toAccountId,
      amount: record.amount,
      currency: record.currency,
      status: TransferStatus[record.status],
      reason: record.reason ?? null,
      requestedAt: new Date(record.requestedAt),
      completedAt: record.completedAt === undefined ? null : new Date(record.completedAt),
      steps: record.steps.flatMap(TransferStep.of),
      position: positionToken(record.position),
    };
  }
}
