/** Helpers shared by the `ledger` command modules: the data folder, the store, and argument parsing. */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CodedError } from '../../protocol/errors.ts';
import { openStore, storeOptionsFromEnv } from '../store/open.ts';
import type { LedgerStore } from '../store/types.ts';

export function dataDir(cmd: Command): string {
  const opts = cmd.optsWithGlobals<{ data?: string }>();
  return resolve(opts.data ?? process.env['LEDGER_DATA'] ?? 'data');
}

export async function withStore<T>(cmd: Command, fn: (store: LedgerStore, dir: string) => Promise<T>): Promise<T> {
  const dir = dataDir(cmd);
  await mkdir(dir, { recursive: true });
  const store = await openStore(storeOptionsFromEnv(dir));
  try {
    await store.migrate();
    return await fn(store, dir);
  } finally {
    await store.close();
  }
}

export function parseId<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  value: string,
  what: string,
): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new CodedError(
      'BAD_ARGUMENT',
      `${what} "${value}" is not valid: use letters, digits, dot, dash and underscore (1-64).`,
    );
  return r.data;
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CodedError('BAD_ARGUMENT', `port "${value}" is not a number between 0 and 65535.`);
  return n;
}

/** A sizing flag: a whole number above 0 (digits only, so "1e3", "0x10" and "12.0" are refused, not reinterpreted). */
export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new CodedError('BAD_ARGUMENT', `${flag} "${value}" is not a whole number above 0.`);
  return n;
}
