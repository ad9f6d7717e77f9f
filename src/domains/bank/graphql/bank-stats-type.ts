import { Field, Int, ObjectType } from 'type-graphql';
import type { MinorUnits } from '../money.js';
import { MoneyScalar } from './money-scalar.js';

@ObjectType({ description: 'The bank’s totals in one currency.' })
export class CurrencyTotal {
  @Field(() => String, { description: 'ISO-4217 code.' })
  currency!: string;

  @Field(() => MoneyScalar, { description: 'What all accounts in this currency hold: deposited minus withdrawn.' })
  balance!: MinorUnits;

  @Field(() => MoneyScalar)
  deposited!: MinorUnits;

  @Field(() => MoneyScalar)
  withdrawn!: MinorUnits;

  @Field(() => Int)
  openAccounts!: number;
}

@ObjectType({ description: 'The bank in numbers, per currency and overall.' })
export class BankStats {
  @Field(() => [CurrencyTotal], { description: 'One entry per currency an account was ever opened in, by code.' })
  totals!: CurrencyTotal[];

  @Field(() => Int)
  openAccounts!: number;
}
