/** Shared bits of the benchmark commands: flags, progress on stderr, the one JSON line on stdout, percentiles. */
import { parseArgs } from 'node:util';
import type { DbKind } from './bench-db.ts';

/** Progress for the human watching: stderr, so that stdout carries only the result line. */
export function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** The result: exactly one JSON line on stdout. */
export function result(value: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Parses `--name value` flags with defaults; every flag is a string or a boolean switch. */
export function flags<T extends Record<string, string | boolean>>(defaults: T, usage: string): T {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [k, v] of Object.entries(defaults)) options[k] = { type: typeof v === 'boolean' ? 'boolean' : 'string' };
  options['help'] = { type: 'boolean' };
  const { values } = parseArgs({ options, allowPositionals: false });
  if (values['help']) {
    process.stderr.write(`${usage}\n`);
    process.exit(0);
  }
  return { ...defaults, ...values };
}

export function numberFlag(value: string | boolean, name: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number`);
  return n;
}

export function dbFlag(value: string | boolean): DbKind {
  if (value !== 'sqlite' && value !== 'postgres') throw new Error('--db must be sqlite or postgres');
  return value;
}
