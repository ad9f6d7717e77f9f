import {
  decodeCursor,
  encodeCursor,
  isLogSortKey,
  liveFeed,
  type Page,
  pageOf,
  pageSize,
  type ReadModels,
  requireId,
  requirePositionToken,
} from '../../core/index.js';
import {
  readAccountTransfers,
  readTransfer,
  type TransferRecord,
  transfersProjection as transfers,
  transferTopic,
} from './projections/transfers.js';

export interface TransferQuery {
  readonly consistentWith?: string | null;
  /**
   * Wait until the transfer is COMPLETED or FAILED (after `consistentWith`, if given), up to
   * CONSISTENCY_TIMEOUT_MS; a mutation's position shows the request, not its settling.
   */
  readonly awaitSettlement?: boolean | null;
}

export interface AccountTransfersRequest {
  readonly accountId: string;
  readonly first?: number | null;
  readonly after?: string | null;
  readonly consistentWith?: string | null;
}

/** The transfers read model: one transfer, an account's transfers, and a transfer's changes live. */
export interface TransferReads {
  /** Undefined when there is no such transfer (yet). */
  transfer(id: string, query?: TransferQuery): Promise<TransferRecord | undefined>;
  /** The transfers from or to the account, newest request first. */
  transfers(request: AccountTransfersRequest): Promise<Page<TransferRecord>>;
  /** The transfer after each change; first its current state, if `since` is older. */
  transferUpdates(id: string, since?: string | null): Promise<AsyncIterableIterator<TransferRecord>>;
}

const isSettled = (transfer: TransferRecord | undefined): boolean =>
  transfer !== undefined && transfer.status !== 'PENDING';

export const createTransferReads = (readModels: ReadModels): TransferReads => {
  const { redis } = readModels;

  const readNow = async (transferId: string): Promise<TransferRecord | undefined> => {
    const spaces = await readModels.keySpaces([transfers.name]);
    return readTransfer(redis, spaces.get(transfers.name), transferId);
  };

  return {
    async transfer(id, { consistentWith, awaitSettlement } = {}) {
      const transferId = requireId(id, 'id');
      const spaces = await readModels.keySpaces([transfers.name], consistentWith);
      if (awaitSettlement !== true) return readTransfer(redis, spaces.get(transfers.name), transferId);
      return readModels.readUntil(transfers.name, transferTopic(transferId), () => readNow(transferId), isSettled);
    },

    async transfers({ accountId, first, after, consistentWith }) {
      const id = requireId(accountId, 'accountId');
      const size = pageSize(first);
      const from = decodeCursor('transfers', after, isLogSortKey);
      const spaces = await readModels.keySpaces([transfers.name], consistentWith);
      const space = spaces.get(transfers.name);
      const entries = await readAccountTransfers(redis, space, id, { after: from, count: size + 1, newestFirst: true });
      const records = await Promise.all(
        entries.slice(0, size).map((entry) => readTransfer(redis, space, entry.transferId)),
      );
      return pageOf(
        entries.map((entry, index) => ({ sortKey: entry.sortKey, transfer: records[index] })),
        size,
        (row) => encodeCursor('transfers', row.sortKey),
        (row) => row.transfer,
      );
    },

    async transferUpdates(id, since) {
      const transferId = requireId(id, 'id');
      const after =
        since === null || since === undefined
          ? undefined
          : requirePositionToken(since, 'since', "a position token (a mutation's or a read model's position)");
      const changes = await readModels.changes(transfers.name, transferTopic(transferId));
      try {
        const current = await readNow(transferId);
        return liveFeed({
          changes,
          catchUp: current === undefined ? [] : [current],
          // Each message names the change's position; the transfer is read again to show it whole.
          live: () => readNow(transferId),
          positionOf: (transfer) => transfer.position,
          // As accountUpdated: without `since`, what changes from now on.
          after: after ?? current?.position ?? -1n,
        });
      } catch (error) {
        await changes.return?.();
        throw error;
      }
    },
  };
};
