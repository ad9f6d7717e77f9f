import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { isLogSortKey, logSortKey } from '../../../src/core/projections/log-ordered-set.js';
import { decodeCursor, encodeCursor, pageOf, pageSize } from '../../../src/core/projections/pages.js';

describe('page sizes', () => {
  it('default to 20', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(null)).toBe(20);
  });

  it.each([1, 100])('accept %i', (first) => expect(pageSize(first)).toBe(first));

  it.each([0, -1, 101, 1.5])('refuse %d as bad input', (first) =>
    expect(() => pageSize(first)).toThrow(ValidationError),
  );
});

describe('cursors', () => {
  it('come back as the place they were made from', () =>
    expect(decodeCursor('accounts', encodeCursor('accounts', logSortKey(42n)), isLogSortKey)).toBe(logSortKey(42n)));

  it('are opaque text a URL can carry', () => expect(encodeCursor('accounts', logSortKey(42n))).toMatch(/^[\w-]+$/));

  it('are absent when none is given', () => expect(decodeCursor('accounts', null, isLogSortKey)).toBeUndefined());

  it.each([
    ['a cursor of another list', encodeCursor('transactions', logSortKey(1n))],
    ['a place of the wrong shape', encodeCursor('accounts', '42')],
    ['text that is not base64url', 'not a cursor!'],
    ['an empty string', ''],
    ['an absurdly long string', 'A'.repeat(10_000)],
  ])('refuse %s as bad input', (_what, cursor) =>
    expect(() => decodeCursor('accounts', cursor, isLogSortKey)).toThrow(ValidationError),
  );
});

describe('a page', () => {
  const cursorOf = (row: number) => `c${row}`;
  const nodeOf = (row: number) => (row === 3 ? undefined : row * 10);

  it('has a next page when a row beyond its size was read', () =>
    expect(pageOf([1, 2, 4], 2, cursorOf, nodeOf)).toEqual({
      edges: [
        { cursor: 'c1', node: 10 },
        { cursor: 'c2', node: 20 },
      ],
      hasNextPage: true,
      endCursor: 'c2',
    }));

  it('leaves out a row whose node is missing, and still ends after it', () =>
    expect(pageOf([2, 3], 2, cursorOf, nodeOf)).toEqual({
      edges: [{ cursor: 'c2', node: 20 }],
      hasNextPage: false,
      endCursor: 'c3',
    }));

  it('is empty with no end cursor when nothing was read', () =>
    expect(pageOf([], 20, cursorOf, nodeOf)).toEqual({ edges: [], hasNextPage: false, endCursor: null }));
});

describe('log sort keys', () => {
  it('order as text like the positions they encode', () => {
    const positions = [0n, 9n, 10n, 99_999n, 2n ** 53n + 1n, 2n ** 64n - 1n];
    const keys = positions.map(logSortKey);
    expect([...keys].sort()).toEqual(keys);
    expect(keys.every(isLogSortKey)).toBe(true);
  });
});
