import { describe, expect, it } from 'vitest';
import { comparePositions, mergeNewestFirst, newerOf, newestPosition } from '../../../web/app/src/log-order.js';

const item = (id: string, position: string, note = '') => ({ id, position, note });

describe("the web app's log-ordered lists", () => {
  it('compares positions past 2^53 by their digits, not as rounded numbers', () => {
    expect(comparePositions('9007199254740993', '9007199254740992')).toBe(1);
    expect(comparePositions('18446744073709551615', '18446744073709551615')).toBe(0);
    expect(comparePositions('99', '100')).toBe(-1);
  });

  it('keeps newest first whatever order items arrive in, one per id', () => {
    const held = [item('c', '30'), item('a', '10')];
    const merged = mergeNewestFirst(held, [item('b', '20'), item('c', '30'), item('d', '40')]);
    expect(merged.map(({ id }) => id)).toEqual(['d', 'c', 'b', 'a']);
  });

  it('replaces an item by a newer state of it, never by an older one', () => {
    const held = [item('t', '50', 'completed')];
    expect(mergeNewestFirst(held, [item('t', '40', 'pending')])).toEqual([item('t', '50', 'completed')]);
    expect(mergeNewestFirst(held, [item('t', '60', 'refunded')])).toEqual([item('t', '60', 'refunded')]);
  });

  it('names the newest position held, or none for an empty list', () => {
    expect(newestPosition([item('a', '10'), item('b', '200'), item('c', '30')])).toBe('200');
    expect(newestPosition([])).toBeUndefined();
  });

  it('keeps a read list in its order, taking a held item where it is newer than the one read', () => {
    const held = [item('a', '70', 'live'), item('b', '20', 'live')];
    const read = [item('b', '40', 'read'), item('a', '60', 'read'), item('c', '50', 'read')];
    expect(newerOf(held, read)).toEqual([item('b', '40', 'read'), item('a', '70', 'live'), item('c', '50', 'read')]);
    expect(newerOf(undefined, read)).toEqual(read);
  });
});
