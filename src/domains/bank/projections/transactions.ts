import {
  addLogOrdered,
  failurePolicy,
  type KeySpace,
  type LogOrderedRange,
  type MinorUnits,
  notify,
  type Projection,
  parsePositionToken,
  positionToken,
  type RedisClient,
  type RedisOp,
  readLogOrdered,
} from '../../../core/index.js';
import { bankEventDecoders } from '../event-decoders.js';
import type { BankEvent, RecordedBankEvent } from '../events.js';

/*
 * Every money movement, as a record that never changes once written: `account:<accountId>` per
 * account and `all` for every account, both log-ordered sets whose payload is the record itself
 * as JSON, so a page of transactions is one ZRANGE. Each is announced, with the same JSON, on
 * topics `transactions:<accountId>` and `transactions`.
 */

/** TRANSFER_IN and TRANSFER_OUT are for the transfers to come; nothing records them yet. */
export type TransactionRecordKind = 'DEPOSIT' | 'WITHDRAWAL' | 'TRANSFER_IN' | 'TRANSFER_OUT';

export interface TransactionRecord {
  /** The id of the event that recorded it. */
  readonly id: string;
  readonly accountId: string;
  readonly kind: TransactionRecordKind;
  readonly amount: MinorUnits;
  readonly balanceAfter: MinorUnits;
  readonly occurredAt: string;
  readonly position: bigint;
}

export const accountTransactionsKey = (accountId: string): string => `account:${accountId}`;
export const allTransactionsKey = 'all';
export const accountTransactionsTopic = (accountId: string): string => `transactions:${accountId}`;
export const allTransactionsTopic = 'transactions';

type MoneyMoved = Extract<RecordedBankEvent, { type: 'MoneyDeposited' | 'MoneyWithdrawn' }>;

const recorded = (event: MoneyMoved, kind: TransactionRecordKind): readonly RedisOp[] => {
  const { accountId, amount, balanceAfter, occurredAt } = event.data;
  const record = JSON.stringify({
    id: event.id,
    accountId,
    kind,
    amount,
    balanceAfter,
    occurredAt,
    position: positionToken(event.position),
  });
  return [
    addLogOrdered(accountTransactionsKey(accountId), event.position, record),
    addLogOrdered(allTransactionsKey, event.position, record),
    notify(accountTransactionsTopic(accountId), record),
    notify(allTransactionsTopic, record),
  ];
};

const project = (event: RecordedBankEvent): readonly RedisOp[] => {
  switch (event.type) {
    case 'MoneyDeposited':
      return recorded(event, 'DEPOSIT');
    case 'MoneyWithdrawn':
      return recorded(event, 'WITHDRAWAL');
    default:
      return [];
  }
};

export const transactionsProjection: Projection<BankEvent> = {
  name: 'transactions',
  version: 1,
  events: bankEventDecoders,
  handles: ['MoneyDeposited', 'MoneyWithdrawn'],
  // One missing transaction leaves the others right: it parks and goes on.
  failurePolicy: failurePolicy({ whenExhausted: 'park' }),
  streamCategory: 'account',
  project,
};

/** The record a stored entry or a message holds, or undefined if it is not one of ours. */
export const decodeTransaction = (json: string): TransactionRecord | undefined => {
  try {
    const { position, ...rest } = JSON.parse(json) as Omit<TransactionRecord, 'position'> & { position: string };
    const at = typeof position === 'string' ? parsePositionToken(position) : undefined;
    return at === undefined ? undefined : { ...rest, position: at };
  } catch {
    return undefined;
  }
};

/** A transaction and the sort key that resumes a listing after it. */
export interface TransactionEntry {
  readonly sortKey: string;
  readonly transaction: TransactionRecord;
}

/**
 * Transactions of one account, or of every account, in the order and from the place `range`
 * says. Empty when no version is active yet.
 */
export const readTransactions = async (
  redis: RedisClient,
  space: KeySpace | undefined,
  accountId: string | undefined,
  range: LogOrderedRange,
): Promise<TransactionEntry[]> => {
  const key = accountId === undefined ? allTransactionsKey : accountTransactionsKey(accountId);
  const entries = await readLogOrdered(redis, space, key, range);
  return entries.flatMap(({ sortKey, payload }) => {
    const transaction = decodeTransaction(payload);
    return transaction === undefined ? [] : [{ sortKey, transaction }];
  });
};
