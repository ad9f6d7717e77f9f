import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildManifest, type OperationSource } from './server/persisted-queries/manifest-builder.js';

/*
 * npm run trusted-documents -- [--out trusted-documents.json] [folder...]
 *
 * Writes the trusted documents file (TRUSTED_DOCUMENTS_FILE) for every operation in
 * test/operations and in the given folders (every .graphql and .gql file under them), and prints
 * one line per operation it lists.
 */

const usage = 'usage: npm run trusted-documents -- [--out <file>] [<folder>...]';
const testOperations = fileURLToPath(new URL('../test/operations', import.meta.url));

const fail = (message: string): never => {
  console.error(`trusted-documents: ${message}\n${usage}`);
  process.exit(2);
};

const argumentsOf = () => {
  try {
    return parseArgs({
      options: { out: { type: 'string', default: 'trusted-documents.json' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return fail((error as Error).message);
  }
};

/** Every operation file under `folder`, in a stable order. */
const operationFiles = (folder: string): string[] => {
  let entries: string[];
  try {
    if (!statSync(folder).isDirectory()) return fail(`${folder} is not a folder`);
    entries = readdirSync(folder, { recursive: true, encoding: 'utf8' });
  } catch (error) {
    return fail(`cannot read ${folder} (${(error as NodeJS.ErrnoException).code})`);
  }
  return entries
    .filter((entry) => /\.(graphql|gql)$/.test(entry))
    .sort()
    .map((entry) => join(folder, entry));
};

const { values, positionals } = argumentsOf();
const sources: OperationSource[] = [testOperations, ...positionals]
  .flatMap(operationFiles)
  .map((path) => ({ path: relative(process.cwd(), path), text: readFileSync(path, 'utf8') }));
let manifest: ReturnType<typeof buildManifest>;
try {
  manifest = buildManifest(sources);
} catch (error) {
  manifest = fail((error as Error).message);
}
writeFileSync(values.out, `${JSON.stringify(manifest, null, 2)}\n`);
for (const operation of manifest.operations) console.log(`${operation.id}  ${operation.type} ${operation.name}`);
console.log(`wrote ${manifest.operations.length} operations from ${sources.length} files to ${values.out}`);
