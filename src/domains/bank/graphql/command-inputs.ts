import { Field, ID, InputType } from 'type-graphql';
import type { MinorUnits } from '../../../core/index.js';
import { MoneyScalar } from '../../../graphql/kit/index.js';

const commandIdDescription =
  'Idempotency key. Sending the same command again with the same commandId (after a timeout, say) returns the first result and changes nothing.';

@InputType()
export class OpenAccountInput {
  @Field(() => ID, { nullable: true, description: 'The new account’s id; a UUID is generated when omitted.' })
  accountId?: string | null;

  @Field(() => ID)
  ownerId!: string;

  @Field(() => String, { description: 'ISO-4217 code: three upper-case letters, e.g. "EUR".' })
  currency!: string;

  @Field(() => ID, { nullable: true, description: commandIdDescription })
  commandId?: string | null;
}

/** Deposits and withdrawals take the same fields; only the two subclasses appear in the schema. */
@InputType()
abstract class MoneyMovementInput {
  @Field(() => ID)
  accountId!: string;

  @Field(() => MoneyScalar)
  amount!: MinorUnits;

  @Field(() => ID, { nullable: true, description: commandIdDescription })
  commandId?: string | null;
}

@InputType()
export class DepositInput extends MoneyMovementInput {
  @Field(() => String, {
    nullable: true,
    description:
      'Where the money comes from: "cash", "transfer", … or free text (1 to 100 characters). Recorded as "unspecified" when omitted.',
  })
  source?: string | null;
}

@InputType()
export class WithdrawInput extends MoneyMovementInput {}

@InputType()
export class CloseAccountInput {
  @Field(() => ID)
  accountId!: string;

  @Field(() => ID, { nullable: true, description: commandIdDescription })
  commandId?: string | null;
}

@InputType({ description: 'Money to move from one account to another of the same currency.' })
export class TransferInput {
  @Field(() => ID)
  fromAccountId!: string;

  @Field(() => ID)
  toAccountId!: string;

  @Field(() => MoneyScalar)
  amount!: MinorUnits;

  @Field(() => ID, {
    nullable: true,
    description: `${commandIdDescription} The transfer's id is derived from it, so a retry asks for the same transfer.`,
  })
  commandId?: string | null;
}
