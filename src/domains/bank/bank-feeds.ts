import {
  liveFeed,
  logSortKey,
  optionalId,
  type ReadModels,
  requireId,
  requirePositionToken,
} from '../../core/index.js';
import {
  type AccountFields,
  type AccountSummary,
  AccountTracker,
  accountTopic,
  readAccountFields,
  accountSummaryProjection as summaries,
} from './projections/account-summary.js';
import {
  accountTransactionsTopic,
  allTransactionsTopic,
  decodeTransaction,
  readTransactions,
  type TransactionRecord,
  transactionsProjection as transactions,
} from './projections/transactions.js';

/**
 * The bank's live streams, for GraphQL subscriptions. Each subscribes to its read model's change
 * notifications first and reads the read model second, so no change falls between the two. With
 * `since` (a position the client saw last), it first sends what changed after it, then live
 * changes, never one at or before the last position sent.
 */
export interface BankFeeds {
  /** The account after each change; first its current state, if that is newer than `since`. */
  accountUpdates(id: string, since?: string | null): Promise<AsyncIterableIterator<AccountSummary>>;
  /** Transactions as they are recorded, of one account or of all; first those after `since`, oldest first. */
  transactionsRecorded(
    accountId?: string | null,
    since?: string | null,
  ): Promise<AsyncIterableIterator<TransactionRecord>>;
}

const parseSince = (since: string | null | undefined): bigint | undefined =>
  since === null || since === undefined
    ? undefined
    : requirePositionToken(since, 'since', "a position token (a mutation's or a read model's position)");

/** Transactions are read in chunks of this many while catching up, so a long gap never reads at once. */
const catchUpChunk = 100;

export const createBankFeeds = (readModels: ReadModels): BankFeeds => {
  const { redis } = readModels;

  const readAccount = async (accountId: string): Promise<AccountFields> => {
    const spaces = await readModels.keySpaces([summaries.name]);
    return readAccountFields(redis, spaces.get(summaries.name), accountId);
  };

  async function* transactionsAfter(accountId: string | undefined, since: bigint): AsyncGenerator<TransactionRecord> {
    let after = logSortKey(since);
    for (;;) {
      const spaces = await readModels.keySpaces([transactions.name]);
      const range = { after, count: catchUpChunk, newestFirst: false };
      const entries = await readTransactions(redis, spaces.get(transactions.name), accountId, range);
      for (const entry of entries) yield entry.transaction;
      const last = entries.at(-1);
      if (last === undefined || entries.length < catchUpChunk) return;
      after = last.sortKey;
    }
  }

  return {
    async accountUpdates(id, since) {
      const accountId = requireId(id, 'id');
      const after = parseSince(since);
      const changes = await readModels.changes(summaries.name, accountTopic(accountId));
      try {
        const account = await AccountTracker.start(() => readAccount(accountId));
        const current = account.current;
        const catchUp = current === undefined ? [] : [current];
        const seen = after ?? current?.position ?? -1n;
        const live = (message: string) => account.apply(message);
        return liveFeed({ changes, catchUp, live, positionOf: (state) => state.position, after: seen });
      } catch (error) {
        await changes.return?.();
        throw error;
      }
    },

    async transactionsRecorded(accountId, since) {
      const id = optionalId(accountId, 'accountId');
      const after = parseSince(since);
      const topic = id === undefined ? allTransactionsTopic : accountTransactionsTopic(id);
      const changes = await readModels.changes(transactions.name, topic);
      return liveFeed({
        changes,
        // Lazy: read when the client pulls, which is after the subscription above is live.
        catchUp: after === undefined ? [] : transactionsAfter(id, after),
        live: decodeTransaction,
        positionOf: (transaction) => transaction.position,
        after: after ?? -1n,
      });
    },
  };
};
