import { describe, expect, it } from 'vitest';
import { formatTable, runRow, shortSize } from '../../bench/faults/matrix.js';
import { shortRows } from '../../bench/faults/rows.js';

/*
 * The short fault matrix: five rows of `npm run faults` (a combined node, a projector and a
 * redis-server killed, a projector paused past its lease, two command nodes racing) with a smaller
 * load, through the same harness and oracle (real processes: esgraph nodes, esdb-local,
 * redis-server). A failing row prints its table, which says which check failed and why.
 */

describe('the fault matrix, short', () => {
  for (const [index, row] of shortRows.entries()) {
    it(`keeps acknowledged mutations, read models, money and resumed subscribers exact through: ${row.fault}`, async () => {
      const result = await runRow(row, shortSize, index);
      expect(
        result.checks.filter((check) => !check.ok),
        `\n${formatTable([result])}`,
      ).toEqual([]);
    }, 60_000);
  }
});
