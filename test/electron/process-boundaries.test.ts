/**
 * Every file says which process it runs in (Signal Desktop's rule): only `*.main.ts` and `*.preload.ts` may import
 * Electron, and plain modules (tested under Node) never import them. The preload imports no schema library, so its
 * sandboxed bundle stays small.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = path.resolve(import.meta.dirname, '..', '..', 'electron');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const importsOf = (file: string): string[] =>
  [...readFileSync(path.join(dir, file), 'utf8').matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)]
    .filter((m) => m[1] === undefined)
    .map((m) => m[2] ?? '');

describe('process boundaries in electron/', () => {
  it.each(files)('%s imports Electron only if it is a *.main.ts or *.preload.ts file', (file) => {
    const electronFile = /\.(main|preload)\.ts$/.test(file);
    if (!electronFile) expect(importsOf(file)).not.toContain('electron');
  });

  it.each(files.filter((f) => !/\.(main|preload)\.ts$/.test(f)))(
    '%s (a plain module) imports no *.main/*.preload file',
    (file) => {
      for (const spec of importsOf(file)) expect(spec).not.toMatch(/\.(main|preload)\.ts$/);
    },
  );

  it('the preload imports at run time only Electron and the channel names', () => {
    expect(importsOf('preload.preload.ts').sort()).toEqual(['./ipc-channels.ts', 'electron']);
  });

  it.each(['settings-schema.ts', 'origins.ts', 'pos-contract.ts', 'ipc-channels.ts'])(
    '%s, which the renderer bundles, imports no Node or Electron module and no other electron/ file with one',
    (file) => {
      for (const spec of importsOf(file)) {
        expect(spec).not.toMatch(/^(node:|electron$)/);
        if (spec.startsWith('./')) expect(['./origins.ts', './ipc-channels.ts']).toContain(spec);
      }
    },
  );
});
