import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SOURCE = dirname(fileURLToPath(import.meta.url));

/** The relative imports of one file (type-only ones too: a type cycle is a cycle of concepts). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, false);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Every import cycle, each as the list of files around it (depth-first search, grey set). */
export function findCycles(files: readonly string[], edges: (file: string) => string[]): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): void => {
    const open = path.indexOf(file);
    if (open >= 0) {
      cycles.push(path.slice(open));
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    for (const next of edges(file)) visit(next);
    path.pop();
    done.add(file);
  };
  for (const file of files) visit(file);
  return cycles;
}

describe('import cycles in @lazytrace/core', () => {
  it('finds a cycle when there is one (the check can fail)', () => {
    const graph: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a'], d: ['a'] };
    expect(findCycles(Object.keys(graph), (file) => graph[file] ?? [])).toEqual([['a', 'b', 'c']]);
  });

  it('has none: hooks, invocation, runnables and streaming depend one way', () => {
    const cycles = findCycles(sourceFiles(SOURCE), importsOf).map((cycle) =>
      cycle.map((file) => relative(SOURCE, file)).join(' > '),
    );
    expect(cycles).toEqual([]);
  });
});
