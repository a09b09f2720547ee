/**
 * The canonical JSON of an op (sorted keys, undefined members left out): the text its content hash is taken of, and
 * the text stored in the ops table. Computed once per op object and remembered, since both need it.
 */
import type { Op } from '../loyalty/ops.ts';

const cache = new WeakMap<object, string>();

/** JSON with object keys sorted and undefined members left out; the same for the same content. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * Every property name seen in an op so far, sorted. `JSON.stringify(value, list)` writes each object's properties in
 * the list's order and leaves out undefined ones: with every name of the object in the list, that is the canonical
 * JSON, done natively. Ops are parsed by schemas that drop unknown keys, so the list stays small; past a bound the
 * generic path is used.
 */
const knownKeys = new Set<string>();
let sortedKeys: string[] = [];
const MAX_KNOWN_KEYS = 512;

/** Adds the property names of `value` (deeply) to `knownKeys`; false when the bound is reached. */
function learnKeys(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const v of value) if (!learnKeys(v)) return false;
    return true;
  }
  for (const k in value as Record<string, unknown>) {
    if (!knownKeys.has(k)) {
      if (knownKeys.size >= MAX_KNOWN_KEYS) return false;
      knownKeys.add(k);
      sortedKeys = [...knownKeys].sort();
    }
    if (!learnKeys((value as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** `canonicalJson(op)`, computed once per op object (ops are not mutated once parsed). */
export function opJson(op: Op): string {
  let s = cache.get(op);
  if (s === undefined) {
    s = learnKeys(op) ? JSON.stringify(op, sortedKeys) : canonicalJson(op);
    cache.set(op, s);
  }
  return s;
}
