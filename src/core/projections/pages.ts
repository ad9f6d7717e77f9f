import { ValidationError } from '../errors.js';

/**
 * Cursor pagination over read models, Relay-style (`first`, `after`, `hasNextPage`, `endCursor`).
 * A cursor is opaque to clients: base64url of `<kind>:<position in the list>`, so a cursor of one
 * list handed to another is refused instead of silently reading the wrong place.
 */

export const defaultPageSize = 20;
export const maxPageSize = 100;

/** One page of a list: each item with the cursor that resumes after it. */
export interface Page<T> {
  readonly edges: readonly { readonly cursor: string; readonly node: T }[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

/**
 * The page size a client asked for: `first`, or the default when it gave none.
 * @throws ValidationError when it is below 1 or above {@link maxPageSize}.
 */
export const pageSize = (first: number | null | undefined): number => {
  if (first === null || first === undefined) return defaultPageSize;
  if (!Number.isInteger(first) || first < 1 || first > maxPageSize) {
    throw new ValidationError(`first must be between 1 and ${maxPageSize}, got ${first}`, 'first');
  }
  return first;
};

export const encodeCursor = (kind: string, place: string): string =>
  Buffer.from(`${kind}:${place}`, 'utf8').toString('base64url');

/**
 * The place a cursor of list `kind` points at, or undefined when there is no cursor.
 * @throws ValidationError when the text is not a cursor of this kind, or its place fails `isPlace`.
 */
export const decodeCursor = (
  kind: string,
  cursor: string | null | undefined,
  isPlace: (place: string) => boolean,
): string | undefined => {
  if (cursor === null || cursor === undefined) return undefined;
  const text = /^[A-Za-z0-9_-]{1,400}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const prefix = `${kind}:`;
  const place = text.slice(prefix.length);
  if (!text.startsWith(prefix) || !isPlace(place)) {
    throw new ValidationError(
      `after must be a cursor this list returned, got ${JSON.stringify(cursor.slice(0, 40))}`,
      'after',
    );
  }
  return place;
};

/**
 * Builds a page from rows read one beyond the page size: the extra row only says there is a next
 * page, so no second read is needed to know it. A row whose node is missing (another read model
 * has not caught up with the index yet) is left out, but the page still ends after it.
 */
export const pageOf = <Row, T>(
  rows: readonly Row[],
  size: number,
  cursorOf: (row: Row) => string,
  nodeOf: (row: Row) => T | undefined,
): Page<T> => {
  const inPage = rows.slice(0, size);
  const edges = inPage.flatMap((row) => {
    const node = nodeOf(row);
    return node === undefined ? [] : [{ cursor: cursorOf(row), node }];
  });
  const last = inPage.at(-1);
  return { edges, hasNextPage: rows.length > size, endCursor: last === undefined ? null : cursorOf(last) };
};
