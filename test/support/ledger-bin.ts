/**
 * The `ledger` command the tests run: the bundle the suite's global setup built from the same sources
 * (test/setup/ledger-bundle.ts), or `bin/ledger.js` when a test file runs without it. Tests of the entry point itself
 * use `USER_LEDGER_BIN`.
 */
import { fileURLToPath } from 'node:url';

/** `bin/ledger.js`, as a user runs it (the sources through tsx). */
export const USER_LEDGER_BIN = fileURLToPath(new URL('../../bin/ledger.js', import.meta.url));

/** The ledger command for tests: the same code as `bin/ledger.js`, without compiling it on every start. */
export const LEDGER_BIN = process.env['LEDGER_TEST_BIN'] || USER_LEDGER_BIN;
