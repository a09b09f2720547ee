/**
 * No import cycles in sync/ and renderer/ (DESIGN's arrows point one way): every relative import counts, type-only
 * ones and re-exports too, since a cycle of types is still two modules that cannot be understood apart. ESLint has no
 * cycle rule without a plugin this project does not carry, so the graph is read here with TypeScript's pre-processor.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const ROOTS = ['sync', 'renderer'];
/**
 * Cycles that exist and are being removed, as their sorted modules joined by ` <-> `. None today: the last one (the
 * cashier panels and Cashier.tsx) went when the panels' props moved to panel-props.ts.
 */
const KNOWN_CYCLES: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'dist' || e.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The project files `file` imports (relative specifiers only: packages cannot import back). */
export function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.resolve(path.dirname(file), spec))
    .filter((target) => existsSync(target));
}

/** The strongly connected components of more than one module (or a module importing itself): the cycles. */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('import cycles', () => {
  it('finds a cycle when there is one (the check itself)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cyclesOf(g)).toEqual([['a', 'b', 'c']]);
    expect(
      cyclesOf(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('sync/ and renderer/ have none but the known one, which is still there', () => {
    const files = ROOTS.flatMap((r) => sourceFiles(path.join(root, r)));
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const cycles = cyclesOf(graph).map((c) => c.map((f) => path.relative(root, f)).join(' <-> '));
    expect(
      cycles.filter((c) => !KNOWN_CYCLES.includes(c)),
      'new import cycles',
    ).toEqual([]);
    // A ratchet: once a known cycle is gone, its entry goes too, so it cannot come back unnoticed.
    expect(
      KNOWN_CYCLES.filter((c) => !cycles.includes(c)),
      'known cycles gone: remove them from KNOWN_CYCLES',
    ).toEqual([]);
  });
});
