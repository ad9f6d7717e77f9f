import { liveFeed, logSortKey, type ReadModels, requirePositionToken } from '../../../src/core/index.js';
import {
  circulationProjection,
  circulationTopic,
  decodeLoanRecord,
  type LoanRecord,
  readCirculation,
} from './projections/circulation.js';

/** Records are read in chunks of this many while catching up, so a long gap is never read at once. */
const catchUpChunk = 50;

/**
 * A title's circulation as it happens: with `since` (the last position the subscriber saw),
 * first every record after it, oldest first, then live ones; never one at or before the last
 * position sent. Subscribes to the change notifications before it reads, as every feed must.
 */
export const createCirculationFeed =
  (readModels: ReadModels) =>
  async (titleId: string, since?: string): Promise<AsyncIterableIterator<LoanRecord>> => {
    const after = since === undefined ? undefined : requirePositionToken(since, 'since', 'a position token');
    const { name } = circulationProjection;

    async function* recordsAfter(position: bigint): AsyncGenerator<LoanRecord> {
      for (let sortKey = logSortKey(position); ; ) {
        const space = (await readModels.keySpaces([name])).get(name);
        const range = { after: sortKey, count: catchUpChunk, newestFirst: false };
        const records = await readCirculation(readModels.redis, space, { titleId }, range);
        yield* records;
        const last = records.at(-1);
        if (last === undefined || records.length < catchUpChunk) return;
        sortKey = logSortKey(last.position);
      }
    }

    const changes = await readModels.changes(name, circulationTopic(titleId));
    return liveFeed({
      changes,
      // Lazy: read when the subscriber first pulls, after the channel above is live.
      catchUp: after === undefined ? [] : recordsAfter(after),
      live: decodeLoanRecord,
      positionOf: (record) => record.position,
      after: after ?? -1n,
    });
  };
