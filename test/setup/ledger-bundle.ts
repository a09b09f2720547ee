/**
 * Global setup: bundles the `ledger` CLI once per run (esbuild, dependencies left to node_modules) for the tests that
 * start ledger processes. Through tsx every start loads hundreds of modules via its loader hooks (about 2.5 s of CPU
 * here); the bundle starts in under half of that, and the suite starts ledgers hundreds of times. `bin/ledger.js`
 * stays what users run, and test/sync/ledger/cli.test.ts runs it.
 *
 * The bundle sits three folders below the root, as sync/ledger/console/static.ts does, so that paths taken from
 * `import.meta.url` (the console's dist folder) point where they do in the sources.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default async function setup(): Promise<void> {
  const outfile = `${root}test/.cache/ledger/ledger.mjs`;
  await build({
    entryPoints: [`${root}sync/ledger/cli.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  process.env['LEDGER_TEST_BIN'] = outfile;
}
