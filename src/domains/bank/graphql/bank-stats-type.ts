import { Field, Int, ObjectType } from 'type-graphql';
import { type MinorUnitSum, UnreadableReadModelError } from '../../../core/index.js';
import { MoneyScalar } from '../../../graphql/kit/index.js';
import type { BankTotals, CurrencyTotals, StoredTotal } from '../projections/bank-stats.js';

/*
 * Each number is read on its own field, so a value the read model holds but cannot be read
 * (see StoredTotal) is a READ_MODEL_UNREADABLE error on that field, null there, and the rest of
 * the answer stands: one bad field must not take every query of the totals down with it.
 */

const unreadable = 'Null only with a READ_MODEL_UNREADABLE error on this field.';

const money = (total: StoredTotal): MinorUnitSum => {
  if (total instanceof UnreadableReadModelError) throw total;
  return total;
};

const maxInt = 2n ** 31n - 1n;

// GraphQL's Int is 32 bits; a count beyond it is reported, not rounded or masked.
const count = (total: StoredTotal, field: string): number => {
  const value = money(total);
  if (value > maxInt || value < -maxInt - 1n) {
    throw new UnreadableReadModelError(`${field} is ${value}, more than a GraphQL Int can carry`);
  }
  return Number(value);
};

@ObjectType({ description: 'The bank’s totals in one currency.' })
export class CurrencyTotal {
  constructor(private readonly totals: CurrencyTotals) {}

  @Field(() => String, { description: 'ISO-4217 code.' })
  get currency(): string {
    return this.totals.currency;
  }

  @Field(() => MoneyScalar, {
    nullable: true,
    description: `What the bank holds in this currency: deposited minus withdrawn, in accounts or in transit between two (transfers leave it as it is; the accounts hold balance minus inTransit). ${unreadable}`,
  })
  get balance(): MinorUnitSum {
    return money(this.totals.balance);
  }

  @Field(() => MoneyScalar, { nullable: true, description: unreadable })
  get deposited(): MinorUnitSum {
    return money(this.totals.deposited);
  }

  @Field(() => MoneyScalar, { nullable: true, description: unreadable })
  get withdrawn(): MinorUnitSum {
    return money(this.totals.withdrawn);
  }

  @Field(() => MoneyScalar, {
    nullable: true,
    description: `Debited from a source account by a transfer and not yet credited to its target or refunded: zero when no transfer is under way. ${unreadable}`,
  })
  get inTransit(): MinorUnitSum {
    return money(this.totals.inTransit);
  }

  @Field(() => MoneyScalar, {
    nullable: true,
    description: `What transfers have delivered to their targets, in total. ${unreadable}`,
  })
  get transferred(): MinorUnitSum {
    return money(this.totals.transferred);
  }

  @Field(() => Int, { nullable: true, description: unreadable })
  get openAccounts(): number {
    return count(this.totals.openAccounts, `${this.totals.currency} openAccounts`);
  }
}

@ObjectType({ description: 'The bank in numbers, per currency and overall.' })
export class BankStats {
  constructor(private readonly stats: BankTotals) {}

  @Field(() => [CurrencyTotal], { description: 'One entry per currency an account was ever opened in, by code.' })
  get totals(): CurrencyTotal[] {
    return this.stats.totals.map((totals) => new CurrencyTotal(totals));
  }

  @Field(() => Int, { nullable: true, description: unreadable })
  get openAccounts(): number {
    return count(this.stats.openAccounts, 'openAccounts');
  }
}
