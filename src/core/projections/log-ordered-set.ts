import type { RedisClient } from '../redis/client.js';
import { formatPosition } from './checkpoint.js';
import type { KeySpace } from './keys.js';
import { type RedisOp, zAdd } from './projection.js';

/**
 * Sorted sets kept in log order: the read-model shape of "newest first, paginated" lists and of
 * "everything since position P" catch-ups. Every member has score 0 and is read by text (BYLEX),
 * because a score is a double and $all positions are unsigned 64-bit: past 2^53 two positions
 * would share a score. Instead each member starts with a fixed-width sort key that orders like
 * the log (the position as 20 zero-padded digits), then `|`, then a payload (an id, or a whole
 * record as JSON, so a page is one ZRANGE and nothing else).
 *
 * Sort keys are digits only and `~` sorts after every character a sort key or the separator can
 * hold, which is what makes "strictly after a key" expressible as a lexicographic bound.
 */

const separator = '|';
/** Characters in a sort key: 2^64 - 1 has 20 digits. */
export const LOG_SORT_KEY_WIDTH = 20;
const width = LOG_SORT_KEY_WIDTH;
const digits = new RegExp(`^\\d{${width}}$`);

/** A member's sort key and payload. */
export interface LogOrderedEntry {
  readonly sortKey: string;
  readonly payload: string;
}

/** The sort key of an event at `position` in $all: 20 digits, so text order is numeric order. */
export const logSortKey = (position: bigint): string => formatPosition(position).padStart(width, '0');

/** Whether `text` is a sort key of this layout; for checking cursors that come back from clients. */
export const isLogSortKey = (text: string): boolean => digits.test(text);

/** The op that adds an entry to a log-ordered set (a handler's logical key). */
export const addLogOrdered = (key: string, position: bigint, payload: string): RedisOp =>
  zAdd(key, 0, `${logSortKey(position)}${separator}${payload}`);

const entryOf = (member: string): LogOrderedEntry => ({
  sortKey: member.slice(0, width),
  payload: member.slice(width + separator.length),
});

export interface LogOrderedRange {
  /** Only entries strictly after this sort key, in the direction read (a cursor, or a `since`). */
  readonly after?: string;
  readonly count: number;
  readonly newestFirst: boolean;
}

/**
 * Up to `count` entries of a log-ordered set (a handler's logical key in `space`), oldest or
 * newest first, strictly after `after` when given. One ZRANGE. A missing key, or a projection
 * with no active version yet (no space), reads as empty.
 */
export const readLogOrdered = async (
  redis: RedisClient,
  space: KeySpace | undefined,
  logicalKey: string,
  { after, count, newestFirst }: LogOrderedRange,
): Promise<LogOrderedEntry[]> => {
  if (space === undefined) return [];
  const key = space.key(logicalKey);
  // Members of sort key k are `k|…`: below `k~` and above `k`, so `(k` and `(k~` exclude exactly them.
  const members = newestFirst
    ? await redis.zRange(key, after === undefined ? '+' : `(${after}`, '-', {
        BY: 'LEX',
        REV: true,
        LIMIT: { offset: 0, count },
      })
    : await redis.zRange(key, after === undefined ? '-' : `(${after}~`, '+', {
        BY: 'LEX',
        LIMIT: { offset: 0, count },
      });
  return members.map(entryOf);
};
