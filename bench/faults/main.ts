import 'reflect-metadata';
import { formatTable, fullSize, runMatrix } from './matrix.js';
import { rows } from './rows.js';

/*
 * npm run faults [-- <words of row names>]: every row of the fault matrix on real processes,
 * a table of what was checked, JSON under bench/results/, exit code 1 if any row failed.
 */

const filters = process.argv.slice(2).map((word) => word.toLowerCase());
const selected = rows.filter((row) => filters.every((word) => row.fault.toLowerCase().includes(word)));
if (selected.length === 0) {
  console.error(`no row matches ${filters.join(' ')}; rows:\n${rows.map((row) => `  ${row.fault}`).join('\n')}`);
  process.exit(2);
}
const { results, seconds, file, ok } = await runMatrix(selected, fullSize);
console.log(`\n${formatTable(results)}\n`);
console.log(
  `${results.filter((result) => result.ok).length} of ${results.length} rows passed in ${seconds.toFixed(0)} s; details in ${file}`,
);
process.exit(ok ? 0 : 1);
