/*
 * Lists kept in log order, newest first, whatever order their items arrive in: the first page a
 * query read, then what a feed sends. An item already held (by id) is replaced, never repeated.
 */

interface Positioned {
  readonly id: string;
  readonly position: string;
}

/** Compares two position tokens (decimal commit positions) without losing digits past 2^53. */
export const comparePositions = (a: string, b: string): number => {
  const left = BigInt(a);
  const right = BigInt(b);
  return left < right ? -1 : left > right ? 1 : 0;
};

/** `items` with `incoming` merged in, newest first, one per id. */
export const mergeNewestFirst = <Item extends Positioned>(
  items: readonly Item[],
  incoming: readonly Item[],
): Item[] => {
  const byId = new Map(items.map((item) => [item.id, item]));
  for (const item of incoming) {
    const held = byId.get(item.id);
    if (held === undefined || comparePositions(item.position, held.position) >= 0) byId.set(item.id, item);
  }
  return [...byId.values()].sort((a, b) => comparePositions(b.position, a.position));
};

/** The newest position among `items`, or undefined for none. */
export const newestPosition = (items: readonly Positioned[]): string | undefined =>
  items.reduce<string | undefined>(
    (newest, item) => (newest === undefined || comparePositions(item.position, newest) > 0 ? item.position : newest),
    undefined,
  );

/** `read` in its own order, each item replaced by the one `held` has when that one is newer. */
export const newerOf = <Item extends Positioned>(held: readonly Item[] | undefined, read: readonly Item[]): Item[] =>
  read.map((item) => {
    const kept = held?.find((one) => one.id === item.id);
    return kept !== undefined && comparePositions(kept.position, item.position) > 0 ? kept : item;
  });
