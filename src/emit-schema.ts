import { readFileSync, writeFileSync } from 'node:fs';
import { buildEsgraphSchema, printEsgraphSchema } from './graphql/schema.js';

/**
 * Writes schema/schema.graphql from the resolver classes, or with --check fails when the
 * committed file differs from what the code builds. The schema file is what clients and the
 * typed test operations are generated against, so it must never drift from the code.
 */
const schemaFile = new URL('../schema/schema.graphql', import.meta.url);
const regenerate = 'npm run schema:emit';

const emitted = printEsgraphSchema(await buildEsgraphSchema());
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(schemaFile, 'utf8');
  } catch {
    // A missing file is drift like any other.
  }
  if (committed !== emitted) {
    console.error(`schema/schema.graphql is out of date with the code: run \`${regenerate}\` and commit the result.`);
    process.exit(1);
  }
  console.log('schema/schema.graphql matches the code');
} else {
  writeFileSync(schemaFile, emitted);
  console.log('wrote schema/schema.graphql');
}
