import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEsgraphSchema, printEsgraphSchema } from '../../src/graphql/schema.js';

describe('the schema', () => {
  // `npm test` also checks that the tsc-built code emits exactly schema/schema.graphql
  // (`npm run schema:check`); together the two prove the build and the tests see one schema.
  it('built under vitest equals the committed schema/schema.graphql', async () => {
    const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(printEsgraphSchema(await buildEsgraphSchema())).toBe(committed);
  });
});
