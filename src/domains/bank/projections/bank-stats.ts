import {
  failurePolicy,
  hIncrBy,
  type KeySpace,
  type Projection,
  type RedisClient,
  type RedisOp,
  UnreadableReadModelError,
} from '../../../core/index.js';
import { bankEventDecoders } from '../event-decoders.js';
import { type BankEvent, type BankEventType, bankEventTypes, type RecordedBankEvent } from '../events.js';

/*
 * The bank in numbers: one hash, `totals`, so the whole of it is one HGETALL. Per currency the
 * fields `<currency>:balance`, `<currency>:deposited`, `<currency>:withdrawn`,
 * `<currency>:inTransit`, `<currency>:transferred` and `<currency>:openAccounts`; across
 * currencies `openAccounts`. Only increments, all integers (minor units), so sums are exact and
 * `balance = deposited - withdrawn` holds by construction.
 *
 * Transfers move money between accounts and leave the bank's holdings as they are, so they never
 * touch `balance`: it is what the bank holds, in accounts or on its way between two. A debit puts
 * the amount in transit, and its credit or refund takes it out again, so the accounts' balances
 * sum to `balance - inTransit`, and `inTransit` is zero whenever no transfer is under way.
 * `transferred` is what completed transfers delivered (the credits).
 * Redis keeps them as signed 64-bit integers, so they are read back as bigints: a JS number
 * would round them past 2^53. An increment that would leave 64 bits is refused by the commit
 * script (the event is parked), so Redis never answers it with an overflow error.
 * Nothing subscribes to the totals, so nothing is announced.
 */

/**
 * A total as the hash holds it: an exact integer, or, for a value that is not an integer (this
 * projection never writes one), the error to report on that field alone.
 */
export type StoredTotal = bigint | UnreadableReadModelError;

export interface CurrencyTotals {
  readonly currency: string;
  readonly balance: StoredTotal;
  readonly deposited: StoredTotal;
  readonly withdrawn: StoredTotal;
  /** Debited for transfers, and not yet credited or refunded. */
  readonly inTransit: StoredTotal;
  /** Credited by transfers. */
  readonly transferred: StoredTotal;
  readonly openAccounts: StoredTotal;
}

export interface BankTotals {
  /** One entry per currency any account was ever opened in, by currency code. */
  readonly totals: readonly CurrencyTotals[];
  readonly openAccounts: StoredTotal;
}

export const totalsKey = 'totals';

const openAccountsField = 'openAccounts';
type CurrencyField = Exclude<keyof CurrencyTotals, 'currency'>;
const currencyField = (currency: string, field: CurrencyField): string => `${currency}:${field}`;

const add = (currency: string, field: CurrencyField, by: number): RedisOp =>
  hIncrBy(totalsKey, currencyField(currency, field), by);

const project = (event: RecordedBankEvent): readonly RedisOp[] => {
  switch (event.type) {
    case 'AccountOpened':
      return [add(event.data.currency, 'openAccounts', 1), hIncrBy(totalsKey, openAccountsField, 1)];
    case 'MoneyDeposited': {
      const { currency, amount } = event.data;
      return [add(currency, 'balance', amount), add(currency, 'deposited', amount)];
    }
    case 'MoneyWithdrawn': {
      const { currency, amount } = event.data;
      return [add(currency, 'balance', -amount), add(currency, 'withdrawn', amount)];
    }
    case 'MoneyTransferredOut': {
      const { currency, amount } = event.data;
      return [add(currency, 'inTransit', amount)];
    }
    case 'MoneyTransferredIn': {
      const { currency, amount } = event.data;
      return [add(currency, 'inTransit', -amount), add(currency, 'transferred', amount)];
    }
    case 'TransferOutRefunded': {
      const { currency, amount } = event.data;
      return [add(currency, 'inTransit', -amount)];
    }
    case 'AccountClosed': {
      const closedTotal = hIncrBy(totalsKey, openAccountsField, -1);
      // Closings recorded before AccountClosed carried the currency can only count in the total.
      const { currency } = event.data;
      return currency === undefined ? [closedTotal] : [add(currency, 'openAccounts', -1), closedTotal];
    }
    case 'AccountCloseRequested':
    case 'AccountCloseCancelled':
      return [];
    default:
      return ignore(event);
  }
};

const ignore = (_event: never): readonly RedisOp[] => [];

/** An account with a close pending counts as open until it closes, and the request moves no money. */
const countsNothing: readonly BankEventType[] = ['AccountCloseRequested', 'AccountCloseCancelled'];

export const bankStatsProjection: Projection<BankEvent> = {
  name: 'bank-stats',
  version: 1,
  events: bankEventDecoders,
  handles: bankEventTypes.filter((type) => !countsNothing.includes(type)),
  // Totals live with a gap (an overflowing sum is parked, not applied): it parks and goes on.
  failurePolicy: failurePolicy({ whenExhausted: 'park' }),
  streamCategory: 'account',
  project,
};

const integer = /^-?\d+$/;

/** One field of the hash, exactly; a missing field is zero. Never throws: see {@link StoredTotal}. */
const decodeTotal = (field: string, stored: string | undefined): StoredTotal => {
  if (stored === undefined) return 0n;
  if (integer.test(stored)) return BigInt(stored);
  return new UnreadableReadModelError(
    `bank-stats holds ${JSON.stringify(stored.slice(0, 40))} in ${field}, which is not an integer; ` +
      'rebuild it (npm run projections -- rebuild bank-stats)',
  );
};

/**
 * The totals hash as the bank's numbers, exact whatever their size; all zero when nothing was
 * projected yet. Total: a field it cannot read becomes that field's error, not the whole answer's.
 */
export const decodeBankTotals = (fields: Readonly<Record<string, string>>): BankTotals => {
  const currencies = Object.keys(fields)
    .filter((field) => field.endsWith(`:${openAccountsField}`))
    .map((field) => field.slice(0, -`:${openAccountsField}`.length))
    .sort();
  const count = (field: string): StoredTotal => decodeTotal(field, fields[field]);
  return {
    totals: currencies.map((currency) => ({
      currency,
      balance: count(currencyField(currency, 'balance')),
      deposited: count(currencyField(currency, 'deposited')),
      withdrawn: count(currencyField(currency, 'withdrawn')),
      inTransit: count(currencyField(currency, 'inTransit')),
      transferred: count(currencyField(currency, 'transferred')),
      openAccounts: count(currencyField(currency, 'openAccounts')),
    })),
    openAccounts: count(openAccountsField),
  };
};

export const readBankTotals = async (redis: RedisClient, space: KeySpace | undefined): Promise<BankTotals> =>
  decodeBankTotals(space === undefined ? {} : await redis.hGetAll(space.key(totalsKey)));
