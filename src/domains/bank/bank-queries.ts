import {
  decodeCursor,
  encodeCursor,
  isLogSortKey,
  optionalId,
  type Page,
  pageOf,
  pageSize,
  type ReadModels,
  requireId,
} from '../../core/index.js';
import {
  type AccountSummary,
  decodeAccountSummary,
  readAccountFields,
  readAccountSummaries,
  accountSummaryProjection as summaries,
} from './projections/account-summary.js';
import { accountsByOwnerProjection as accountIndex, readAccountIndex } from './projections/accounts-by-owner.js';
import { type BankTotals, readBankTotals, bankStatsProjection as stats } from './projections/bank-stats.js';
import { readTransactions, type TransactionRecord, transactionsProjection } from './projections/transactions.js';

/** A page request as clients make it; `consistentWith` is a position a mutation returned. */
interface PageRequest {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly consistentWith?: string | null;
}

export interface AccountsRequest extends PageRequest {
  /** Only this owner's accounts; every account when absent. */
  readonly ownerId?: string | null;
}

export interface TransactionsRequest extends PageRequest {
  readonly accountId: string;
}

/**
 * What the bank's queries read: read models only. Every one names the projections it reads, so
 * `consistentWith` waits for exactly those. Arguments are checked before any wait.
 */
export interface BankQueries {
  /** Undefined when there is no such account (yet). */
  account(id: string, consistentWith?: string | null): Promise<AccountSummary | undefined>;
  /** Accounts in the order they were opened. */
  accounts(request: AccountsRequest): Promise<Page<AccountSummary>>;
  /** An account's transactions, newest first. */
  transactions(request: TransactionsRequest): Promise<Page<TransactionRecord>>;
  bankStats(consistentWith?: string | null): Promise<BankTotals>;
}

export const createBankQueries = (readModels: ReadModels): BankQueries => {
  const { redis } = readModels;
  return {
    async account(id, consistentWith) {
      const accountId = requireId(id, 'id');
      const spaces = await readModels.keySpaces([summaries.name], consistentWith);
      return decodeAccountSummary(await readAccountFields(redis, spaces.get(summaries.name), accountId));
    },

    async accounts({ ownerId, first, after, consistentWith }) {
      const owner = optionalId(ownerId, 'ownerId');
      const size = pageSize(first);
      const from = decodeCursor('accounts', after, isLogSortKey);
      const spaces = await readModels.keySpaces([accountIndex.name, summaries.name], consistentWith);
      const range = { after: from, count: size + 1, newestFirst: false };
      const entries = await readAccountIndex(redis, spaces.get(accountIndex.name), owner, range);
      const ids = entries.slice(0, size).map((entry) => entry.payload);
      const accounts = await readAccountSummaries(redis, spaces.get(summaries.name), ids);
      return pageOf(
        entries.map((entry, index) => ({ sortKey: entry.sortKey, account: accounts[index] })),
        size,
        (row) => encodeCursor('accounts', row.sortKey),
        (row) => row.account,
      );
    },

    async transactions({ accountId, first, after, consistentWith }) {
      const id = requireId(accountId, 'accountId');
      const size = pageSize(first);
      const from = decodeCursor('transactions', after, isLogSortKey);
      const spaces = await readModels.keySpaces([transactionsProjection.name], consistentWith);
      const range = { after: from, count: size + 1, newestFirst: true };
      const entries = await readTransactions(redis, spaces.get(transactionsProjection.name), id, range);
      return pageOf(
        entries,
        size,
        (entry) => encodeCursor('transactions', entry.sortKey),
        (entry) => entry.transaction,
      );
    },

    async bankStats(consistentWith) {
      const spaces = await readModels.keySpaces([stats.name], consistentWith);
      return readBankTotals(redis, spaces.get(stats.name));
    },
  };
};
