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
import type { BankEvent, BankEventType, RecordedBankEvent } from '../events.js';

/*
 * Every money movement, as a record that never changes once written: `account:<accountId>` per
 * account and `all` for every account, both log-ordered sets whose payload is the record itself
 * as JSON, so a page of transactions is one ZRANGE. Each is announced, with the same JSON, on
 * topics `transactions:<accountId>` and `transactions`.
 */

export type TransactionRecordKind = 'DEPOSIT' | 'WITHDRAWAL' | 'TRANSFER_OUT' | 'TRANSFER_IN' | 'TRANSFER_REFUND';

export interface TransactionRecord {
  /** The id of the event that recorded it. */
  readonly id: string;
  readonly accountId: string;
  readonly kind: TransactionRecordKind;
  readonly amount: MinorUnits;
  readonly balanceAfter: MinorUnits;
  readonly occurredAt: string;
  readonly position: bigint;
  /** The transfer that moved it: TRANSFER_OUT, TRANSFER_IN and TRANSFER_REFUND only. */
  readonly transferId?: string;
}

export const accountTransactionsKey = (accountId: string): string => `account:${accountId}`;
export const allTransactionsKey = 'all';
export const accountTransactionsTopic = (accountId: string): string => `transactions:${accountId}`;
export const allTransactionsTopic = 'transactions';

const moneyMovements = [
  'MoneyDeposited',
  'MoneyWithdrawn',
  'MoneyTransferredOut',
  'MoneyTransferredIn',
  'TransferOutRefunded',
] as const satisfies readonly BankEventType[];

type MoneyMoved = Extract<RecordedBankEvent, { type: (typeof moneyMovements)[number] }>;

const kindOf: Readonly<Record<MoneyMoved['type'], TransactionRecordKind>> = {
  MoneyDeposited: 'DEPOSIT',
  MoneyWithdrawn: 'WITHDRAWAL',
  MoneyTransferredOut: 'TRANSFER_OUT',
  MoneyTransferredIn: 'TRANSFER_IN',
  TransferOutRefunded: 'TRANSFER_REFUND',
};

const recorded = (event: MoneyMoved): readonly RedisOp[] => {
  const { accountId, amount, balanceAfter, occurredAt } = event.data;
  const transferId = 'transferId' in event.data ? event.data.transferId : undefined;
  const record = JSON.stringify({
    id: event.id,
    accountId,
    kind: kindOf[event.type],
    amount,
    balanceAfter,
    occurredAt,
    position: positionToken(event.position),
    // Deposits and withdrawals keep the shape they always had.
    ...(transferId === undefined ? {} : { transferId }),
  });
  return [
    addLogOrdered(accountTransactionsKey(accountId), event.position, record),
    addLogOrdered(allTransactionsKey, event.position, record),
    notify(accountTransactionsTopic(accountId), record),
    notify(allTransactionsTopic, record),
  ];
};

const isMoneyMoved = (event: RecordedBankEvent): event is MoneyMoved =>
  (moneyMovements as readonly string[]).includes(event.type);

const project = (event: RecordedBankEvent): readonly RedisOp[] => (isMoneyMoved(event) ? recorded(event) : []);

export const transactionsProjection: Projection<BankEvent> = {
  name: 'transactions',
  version: 1,
  events: bankEventDecoders,
  handles: moneyMovements,
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
