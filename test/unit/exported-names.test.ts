import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * One name, one thing: two exported declarations of one name in src mean an import can pick the
 * wrong one, and a reader cannot tell from a name which they are looking at. Re-exports
 * (`export { x } from`, as core's index and the kit's index do) are the same thing again, so they
 * do not count.
 */

const srcDir = new URL('../../src/', import.meta.url).pathname;

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The names a file declares and exports itself. */
const declaredExports = (path: string): string[] => {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false);
  return file.statements.flatMap((statement): string[] => {
    if (ts.isExportDeclaration(statement)) {
      // `export { a, b as c }` of local bindings exports them under these names; `... from` re-exports.
      if (statement.moduleSpecifier || !statement.exportClause || !ts.isNamedExports(statement.exportClause)) return [];
      return statement.exportClause.elements.map((element) => element.name.text);
    }
    if (!isExported(statement)) return [];
    if (ts.isVariableStatement(statement)) {
      return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
    }
    const named = statement as ts.DeclarationStatement;
    return named.name && ts.isIdentifier(named.name) ? [named.name.text] : [];
  });
};

describe('exported names in src', () => {
  it('finds the exports it is meant to check', () => {
    const names = sourceFiles(srcDir).flatMap(declaredExports);
    expect(names).toContain('CommandPipeline');
    expect(names).toContain('CommandResult');
  });

  it('are each declared in one file only', () => {
    const filesByName = new Map<string, string[]>();
    for (const path of sourceFiles(srcDir)) {
      for (const name of new Set(declaredExports(path))) {
        filesByName.set(name, [...(filesByName.get(name) ?? []), relative(srcDir, path)]);
      }
    }
    const twice = [...filesByName].filter(([, files]) => files.length > 1);
    expect(Object.fromEntries(twice)).toEqual({});
  });
});
