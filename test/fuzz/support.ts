/**
 * Shared pieces of the fuzzers: how many runs (FUZZ_RUNS scales every property's default), the weird values every
 * boundary is fed, a mutator of well-formed messages, and a snapshot of the ledger's state to compare before/after.
 */
import fc from 'fast-check';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';

/** FUZZ_RUNS multiplies every property's run count (default 1: the short run of `npm test`). */
export const FUZZ_SCALE = Math.max(1, Number(process.env['FUZZ_RUNS'] ?? '1') || 1);

/** `base` runs in `npm test`, `base × FUZZ_RUNS` in the long run. */
export const runs = (base: number): number => Math.round(base * FUZZ_SCALE);

/** A test's timeout for a property that takes about `baseMs` at the default scale (generous: 2 shared cores). */
export const timeoutFor = (baseMs: number): number => Math.round(baseMs * FUZZ_SCALE * 3 + 30_000);

/** Numbers at the edges: NaN, infinities, -0, overflowing and unsafe integers, fractions, negatives. */
export const weirdNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    -1,
    0,
    0.5,
    1e308,
    -1e308,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53),
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    8_640_000_000_000_001,
  ),
  fc.double(),
  fc.integer(),
);

/** Strings that break naive code: empty, unicode (astral, RTL, combining, lone surrogates), control characters, long. */
export const weirdString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uFEFF',
    '\u202Eevil',
    'e\u0301',
    '😀'.repeat(10),
    '\uD800',
    '\uDC00x',
    '../../etc/passwd',
    '%00',
    '__proto__',
    'constructor',
    'null',
    '1e3',
    '0x10',
    '-1',
    'NaN',
    'store-b',
    'b1',
    "'; DROP TABLE ops; --",
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 200, max: 5_000 }).map((n) => 'x'.repeat(n)),
);

/** Any value a JSON-ish boundary may receive. */
export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: weirdNumber },
  { weight: 3, arbitrary: weirdString },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, true, false, [], {}, [null], { '': 1 }) },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 4 }) },
);

type Path = (string | number)[];

/** Every path to a value inside `v` (objects and arrays), the root excluded. */
export function pathsOf(v: unknown, prefix: Path = []): Path[] {
  if (v === null || typeof v !== 'object' || prefix.length > 12) return [];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_x, i) => i) : Object.keys(v);
  return keys.flatMap((k) => [[...prefix, k], ...pathsOf((v as Record<string | number, unknown>)[k], [...prefix, k])]);
}

export type Mutation =
  | { kind: 'set'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'extra'; at: number; key: string; value: unknown }
  | { kind: 'wrap'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: weirdValue }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('extra' as const),
    at: fc.nat(),
    key: fc.oneof(weirdString, fc.constantFrom('__proto__', 'constructor', 'ok', 'kind')),
    value: weirdValue,
  }),
  fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }),
);

/** Applies mutations to a deep copy of `base`: set a value, delete a key, add a key, wrap a value in an array. */
export function mutate(base: unknown, mutations: readonly Mutation[]): unknown {
  let root: unknown = structuredClone(base);
  for (const m of mutations) {
    const paths = pathsOf(root);
    if (paths.length === 0) {
      root = m.kind === 'set' ? copy(m.value) : root;
      continue;
    }
    const path = paths[m.at % paths.length] ?? [];
    const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], root);
    const key = path[path.length - 1];
    if (parent === null || typeof parent !== 'object' || key === undefined) continue;
    const p = parent as Record<string | number, unknown>;
    // Copies of the generated values: one value set twice must not become a cycle.
    const value = m.kind === 'set' || m.kind === 'extra' ? copy(m.value) : undefined;
    if (m.kind === 'set') p[key] = value;
    else if (m.kind === 'delete') {
      if (Array.isArray(p) && typeof key === 'number') p.splice(key, 1);
      else delete p[key];
    } else if (m.kind === 'wrap') p[key] = [p[key]];
    else {
      const target = p[key];
      if (target !== null && typeof target === 'object' && !Array.isArray(target))
        Object.defineProperty(target, m.key, { value, enumerable: true, writable: true, configurable: true });
      else p[key] = { [m.key]: value };
    }
  }
  return root;
}

/** A deep copy of a generated value (structuredClone keeps -0, NaN and undefined). */
function copy(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}

/** What a value looks like after crossing a JSON boundary (socket.io and HTTP bodies): undefined dropped, NaN null. */
export function throughJson(v: unknown): unknown {
  const text = JSON.stringify(v);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/**
 * The ledger's state that no refused request may touch: totals, ledger seq, every op, member balance, till seq and
 * credentials, conflict, event, voucher and hold. (Till clock skew is left out: every accepted push, even a pure
 * replay, records it.)
 */
export async function ledgerState(store: LedgerStore): Promise<string> {
  const [totals, ops, members, tills, conflicts, events, stores] = await Promise.all([
    store.totals(),
    store.listOps(),
    store.listMembers(),
    store.listTills(),
    store.listConflicts(),
    store.listEvents(0, 1_000_000),
    store.listStores(),
  ]);
  const holders = await store.holdersOf(members.map((m) => m.memberId));
  return JSON.stringify({
    totals,
    ops: ops.map((o) => [o.opId, o.tillId, o.seq, o.contentHash, o.outcome, o.reversedBy]),
    members: members.map((m) => [m.memberId, m.card, m.balance, m.ledgerSeq, m.lifetimePoints, m.terms, m.tier]),
    tills: tills.map((t) => [t.tillId, t.storeId, t.lastSeq, t.tokenHash, t.revokedAt]),
    conflicts: conflicts.map((c) => [c.conflictId, c.status]),
    events: events.length,
    stores: stores.map((s) => [s.storeId, s.name, s.managerPin]),
    holders: [...holders].map(([m, s]) => [m, [...s].sort()]).sort(),
  });
}
