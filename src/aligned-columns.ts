/**
 * Rows of cells as lines of text, each column padded to its widest cell, for the terminal: the
 * start banner and `npm run projections -- status`. No quotes, no borders; the last column is not
 * padded, so lines carry no trailing blanks.
 */
export const alignColumns = (rows: readonly (readonly string[])[], { indent = '', gap = '  ' } = {}): string[] => {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [column, cell] of row.entries()) widths[column] = Math.max(widths[column] ?? 0, cell.length);
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join(gap)
        .trimEnd(),
  );
};
