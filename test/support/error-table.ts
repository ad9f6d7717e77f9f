import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The README's error table and the codes the source can answer, read from the files themselves,
 * so a code added to src without a row (or a row without a test) fails
 * test/integration/server/error-table.test.ts.
 */

const root = new URL('../../', import.meta.url).pathname;

/** How a row says a code is answered: an HTTP status, or only over the WebSocket. */
export type DocumentedStatus = number | 'websocket only';

export interface ErrorTableRow {
  readonly codes: readonly string[];
  readonly status: DocumentedStatus;
  /** Every HTTP status the cell names (a code may come with more than one: BAD_REQUEST's 405). */
  readonly statuses: readonly number[];
  /** The status cell as written, for test names. */
  readonly statusText: string;
}

const codeIn = /`([A-Z][A-Z0-9_]+)`/g;

/** The rows of README.md's `| Code | HTTP status | When |` table. */
export const readErrorTable = (): readonly ErrorTableRow[] => {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\| Code \| HTTP status \|/.test(line));
  if (header < 0) throw new Error('README.md has no "| Code | HTTP status |" table');
  const rows: ErrorTableRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [codesCell = '', statusCell = ''] = line.split(' | ').map((cell) => cell.replace(/^\| /, '').trim());
    const statusText = statusCell;
    const http = /^(\d{3})\b/.exec(statusCell);
    if (http === null && !/^none\b/.test(statusCell)) throw new Error(`unreadable status cell: ${statusCell}`);
    const status: DocumentedStatus = http === null ? 'websocket only' : Number(http[1]);
    const statuses = [...statusCell.matchAll(/\b\d{3}\b/g)].map((match) => Number(match[0]));
    rows.push({ codes: [...codesCell.matchAll(codeIn)].map((match) => match[1]!), status, statuses, statusText });
  }
  return rows;
};

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });

/**
 * Where a code is given in src: `code: 'X'` or `code = 'X'` (an error's or an extension's code),
 * `fooCode = 'X'` (a named code), `new DomainError('X'` or `new NotFoundError('X'`, and the
 * `if (error instanceof …) return 'X'` lines of the GraphQL edge's error table. A new code
 * written any of these ways is found without changing this list (comparisons, `code === 'X'`,
 * answer nothing and are not counted).
 */
const codePatterns = [
  /\bcode\s*[:=]\s*'([A-Z][A-Z0-9_]+)'/g,
  /\w+Code\s*=\s*'([A-Z][A-Z0-9_]+)'/g,
  /new (?:Domain|NotFound)Error\(\s*'([A-Z][A-Z0-9_]+)'/g,
  /instanceof \w+\) return '([A-Z][A-Z0-9_]+)'/g,
];

/** The variables of README.md's configuration table: upper-case names that are not codes. */
const configurationVariables = (): ReadonlySet<string> => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const from = readme.indexOf('\n## Configuration');
  const section = readme.slice(from, readme.indexOf('\n## ', from + 1));
  const names = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split(' | ')[0] ?? '').matchAll(codeIn)].map((match) => match[1]!));
  return new Set(names);
};

/**
 * Upper-case literals with an underscore that are not codes a client gets, and what they are: kinds,
 * and the refusals of a transfer's steps, which only the process manager meets (README: Transfers).
 */
const notCodes: ReadonlyMap<string, string> = new Map([
  ['TRANSFER_IN', 'a kind of transaction'],
  ['TRANSFER_OUT', 'a kind of transaction'],
  ['TRANSFER_REFUND', 'a kind of transaction'],
  ['CREDIT_REFUSED', 'a kind of transfer step'],
  // Refusals of a transfer's steps, which only the process manager sends: no client can provoke them.
  ['TRANSFER_MISMATCH', 'a refused transfer step: the process manager’s, never a client’s'],
  ['TRANSFER_NOT_DEBITED', 'a refused transfer step: the process manager’s, never a client’s'],
  ['TRANSFER_NOT_FOUND', 'a refused transfer step: the process manager’s, never a client’s'],
  ['TRANSFER_STEP_OUT_OF_ORDER', 'a refused transfer step: the process manager’s, never a client’s'],
  ['TRANSFER_SETTLED', 'a refused step confirmation: the process manager’s, never a client’s'],
  ['TRANSFER_CREDIT_REFUSED', 'a refused step confirmation: the process manager’s, never a client’s'],
  // The transfer mutation derives the transfer id from the commandId: other terms under one id are COMMAND_ID_REUSED first.
  ['TRANSFER_ALREADY_EXISTS', 'a request under a used transfer id: unreachable through the transfer mutation'],
  ['PROCESS_MANAGER', 'a kind of row in the projections query'],
  ['OPERATION_CANCELLED', 'why an operation whose client left stops: nobody is there to answer'],
]);

const snakeCaseLiteral = /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g;

/**
 * Every error code src writes, except esdb-local's (an embedded event store with gRPC statuses
 * of its own, never seen by GraphQL clients): what the patterns above find, and every upper-case
 * literal with an underscore (a code however it is written: an abort's reason, a type's member)
 * that is neither a configuration variable of the README nor listed in `notCodes` (which no
 * pattern counts either).
 */
export const codesInSource = (): ReadonlySet<string> => {
  const codes = new Set<string>();
  const variables = configurationVariables();
  for (const file of sourceFiles(join(root, 'src'))) {
    if (file.includes('/src/esdb-local/')) continue;
    const text = readFileSync(file, 'utf8');
    for (const pattern of codePatterns) {
      for (const [, code] of text.matchAll(pattern)) if (!notCodes.has(code!)) codes.add(code!);
    }
    for (const [, literal] of text.matchAll(snakeCaseLiteral)) {
      if (!variables.has(literal!) && !notCodes.has(literal!)) codes.add(literal!);
    }
  }
  return codes;
};
