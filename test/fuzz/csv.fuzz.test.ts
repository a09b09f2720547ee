/**
 * Fuzzing the member CSV import (sync/ledger/members-csv.ts): arbitrary text and mutated valid files (unicode,
 * control characters, huge fields and rows, stray quotes, BOMs, mixed line ends). parseMembersCsv never throws; it
 * answers every row, valid by the import's rules, or at most MEMBER_CSV_MAX_ERRORS errors with codes from its closed
 * list; and through a real store, a file that fails imports nothing while a file that parses imports exactly its rows.
 */
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MEMBER_CSV_COLUMNS,
  MEMBER_CSV_MAX_ERRORS,
  parseMembersCsv,
  type MemberCsvResult,
} from '../../sync/ledger/members-csv.ts';
import { openStore } from '../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';
import { withLuhn } from '../../sync/loyalty/card.ts';
import { CardSchema, MemberIdSchema, StoreIdSchema } from '../../sync/loyalty/units.ts';
import { makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { seedLedger } from '../support/seed.ts';
import { ledgerState, runs, timeoutFor, weirdString } from './support.ts';

const CODES = new Set([
  'CSV_TOO_LARGE',
  'CSV_MALFORMED',
  'CSV_HEADER',
  'CSV_ROW_INVALID',
  'CSV_DUPLICATE_CARD',
  'CSV_TOO_MANY_ERRORS',
]);
const LIMITS = { maxBytes: 2_000_000, maxRows: 2_000 };

/** The contract of one answer, whatever the input. */
function expectWellFormed(r: MemberCsvResult): void {
  if (r.ok) {
    const cards = new Set<string>();
    for (const row of r.rows) {
      expect(MemberIdSchema.safeParse(row.memberId).success).toBe(true);
      expect(row.card).toMatch(/^[0-9]{8,19}$/);
      expect(CardSchema.safeParse(row.card).success).toBe(true);
      expect(cards.has(row.card)).toBe(false);
      cards.add(row.card);
      expect(row.name.trim().length).toBeGreaterThan(0);
      expect(row.name.length).toBeLessThanOrEqual(200);
      expect(row.name).not.toMatch(/\p{Cc}/u);
      expect(Number.isSafeInteger(row.openingBalance) && row.openingBalance >= 0).toBe(true);
      expect(Number.isSafeInteger(row.lifetimePoints) && (row.lifetimePoints ?? -1) >= 0).toBe(true);
      expect(typeof row.welcomeGiven).toBe('boolean');
      for (const v of Object.values(row.consent ?? {})) expect(typeof v).toBe('boolean');
      if (row.consentAt !== undefined) expect(Number.isSafeInteger(row.consentAt)).toBe(true);
      if (row.homeStoreId !== null) expect(StoreIdSchema.safeParse(row.homeStoreId).success).toBe(true);
    }
    return;
  }
  expect(r.errors.length).toBeGreaterThan(0);
  expect(r.errors.length).toBeLessThanOrEqual(MEMBER_CSV_MAX_ERRORS);
  for (const e of r.errors) {
    expect(CODES.has(e.code), e.code).toBe(true);
    expect(Number.isSafeInteger(e.line) && e.line >= 0).toBe(true);
    expect(e.message.length).toBeGreaterThan(10);
  }
}

const parse = (text: string): MemberCsvResult => parseMembersCsv(text, { makeId: () => uuidv7(), limits: LIMITS });

const card = fc.stringMatching(/^[1-9][0-9]{14}$/).map(withLuhn);
const field = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z .'-]{0,30}$/) },
  { weight: 1, arbitrary: weirdString },
);
const consentFlag = fc.oneof(fc.constant(''), fc.constantFrom('yes', 'NO', '1', 'false', 'y', 'opt-in'), weirdString);
const row = fc.record({
  card,
  name: field,
  email: fc.oneof(fc.constant(''), fc.emailAddress(), weirdString),
  postal_address: fc.oneof(fc.constant(''), field),
  home_store: fc.oneof(fc.constant(''), fc.constantFrom('store-a', 'store-b', 'nowhere'), weirdString),
  opening_balance: fc.oneof(
    fc.constant(''),
    fc.nat({ max: 1_000_000_000 }).map(String),
    fc.constantFrom('-1', '1e3', '1,000', '1000000001', '99999999999', 'NaN', '0x10', '١٢'),
  ),
  birthday: fc.oneof(fc.constant(''), fc.constantFrom('02-29', '1990-12-31', '13-01', '00-00', '2024-02-30', '12-32')),
  lifetime_points: fc.oneof(
    fc.constant(''),
    fc.nat({ max: 1_000_000_000 }).map(String),
    fc.constantFrom('-5', '2.5', '1 000', '1000000001', 'lots'),
  ),
  welcome_given: fc.oneof(
    fc.constant(''),
    fc.constantFrom('true', 'FALSE', '1', '0', 'yes', 'No', 'y', 'maybe', '2'),
    weirdString,
  ),
  joined: fc.oneof(
    fc.constant(''),
    fc.constantFrom(
      '2019-03-14',
      '2024-02-29',
      '2023-02-29',
      '2020-13-01',
      '14/03/2019',
      '2019-3-4',
      '2019-03-14T10:00',
    ),
  ),
  consent_email: consentFlag,
  consent_sms: consentFlag,
  consent_post: consentFlag,
  consent_date: fc.oneof(fc.constant(''), fc.constantFrom('2018-05-25', '2023-02-29', '25/05/2018', 'soon')),
});
const quote = (v: string) => (/[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v);
const file = fc
  .tuple(fc.shuffledSubarray([...MEMBER_CSV_COLUMNS], { minLength: 1 }), fc.array(row, { maxLength: 30 }))
  .map(([columns, rows]) =>
    [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c])).join(','))].join('\n'),
  );

/** Text edits a file goes through on its way: stray characters, line-end changes, BOMs, truncation, blow-ups. */
type Edit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'crlf' | 'cr' | 'bom' | 'doubleBom' }
  | { kind: 'truncate'; at: number }
  | { kind: 'hugeField'; at: number; size: number }
  | { kind: 'repeatLine'; at: number; times: number };
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(
        '"',
        '""',
        ',',
        '\n',
        '\r',
        '\r\n',
        '\u0000',
        '\uFEFF',
        '\t',
        '\u2028',
        ';',
        '\\',
        '"a"b',
        '\uD800',
      ),
      weirdString,
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constantFrom('crlf' as const, 'cr' as const, 'bom' as const, 'doubleBom' as const) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('hugeField' as const),
    at: fc.nat(),
    size: fc.integer({ min: 1_000, max: 100_000 }),
  }),
  fc.record({ kind: fc.constant('repeatLine' as const), at: fc.nat(), times: fc.integer({ min: 2, max: 500 }) }),
);
/** Applies `e`, unless the file would grow past 1 MB (edits compound; the byte limit has its own test). */
function applyEdit(text: string, e: Edit): string {
  const next = editText(text, e);
  return next.length > 1_000_000 ? text : next;
}
function editText(text: string, e: Edit): string {
  const at = 'at' in e ? e.at % (text.length + 1) : 0;
  switch (e.kind) {
    case 'insert':
      return text.slice(0, at) + e.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.length);
    case 'crlf':
      return text.replace(/\n/g, '\r\n');
    case 'cr':
      return text.replace(/\n/g, '\r');
    case 'bom':
      return `\uFEFF${text}`;
    case 'doubleBom':
      return `\uFEFF\uFEFF${text}`;
    case 'truncate':
      return text.slice(0, at);
    case 'hugeField':
      return text.slice(0, at) + 'Z'.repeat(e.size) + text.slice(at);
    case 'repeatLine': {
      const lines = text.split('\n');
      const i = e.at % lines.length;
      if ((lines[i]?.length ?? 0) * e.times > 1_000_000) return text;
      return [...lines.slice(0, i + 1), ...Array<string>(e.times).fill(lines[i] ?? ''), ...lines.slice(i + 1)].join(
        '\n',
      );
    }
  }
}

describe('member CSV fuzzing', () => {
  it(
    'never throws on arbitrary text and answers rows or listed error codes',
    () => {
      const text = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.string({
          unit: fc.constantFrom('a', '1', ',', '"', '\n', '\r', ' ', '\uFEFF', 'é', '\u0000'),
          maxLength: 400,
        }),
        fc
          .array(fc.constantFrom(...MEMBER_CSV_COLUMNS, 'CARD', ' name ', '', 'x'), { maxLength: 9 })
          .chain((h) => fc.string({ maxLength: 300 }).map((rest) => `${h.join(',')}\n${rest}`)),
      );
      fc.assert(
        fc.property(text, (t) => expectWellFormed(parse(t))),
        { numRuns: runs(3_000) },
      );
    },
    timeoutFor(5_000),
  );

  it(
    'never throws on mutated valid files (quotes, control characters, BOMs, line ends, huge fields and rows)',
    () => {
      fc.assert(
        fc.property(file, fc.array(edit, { maxLength: 4 }), (f, edits) => {
          const text = edits.reduce(applyEdit, f);
          expectWellFormed(parse(text));
        }),
        { numRuns: runs(400) },
      );
    },
    timeoutFor(15_000),
  );

  it('refuses a file over the byte or row limit with CSV_TOO_LARGE', () => {
    const header = 'card,name\n';
    const big = parseMembersCsv(header + 'x'.repeat(2_000), { makeId: uuidv7, limits: { maxBytes: 1_000 } });
    expect(big).toMatchObject({ ok: false, errors: [{ code: 'CSV_TOO_LARGE' }] });
    const rows = Array.from({ length: 11 }, (_x, i) => `${withLuhn(String(100000000000 + i))},N${i}`).join('\n');
    const many = parseMembersCsv(header + rows, { makeId: uuidv7, limits: { maxRows: 10 } });
    expect(many).toMatchObject({ ok: false, errors: [{ code: 'CSV_TOO_LARGE' }] });
  });

  describe('through a store', () => {
    let db: TestDatabase;
    let store: LedgerStore;
    let existingCard: string;

    beforeAll(async () => {
      db = await makeTestDatabase('sqlite');
      const seeded = await seedLedger(db, { members: 3 });
      existingCard = seeded.members[0]!.card;
      store = await openStore({ dataDir: db.dataDir });
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    it(
      'imports exactly the rows of a file that parses, and nothing of one that fails (all or nothing)',
      async () => {
        await fc.assert(
          fc.asyncProperty(file, fc.array(edit, { maxLength: 2 }), fc.boolean(), async (f, edits, clash) => {
            // Sometimes a row takes a card some member already holds (another store's member).
            const columns = (f.split('\n')[0] ?? '').split(',');
            const clashRow = columns.map((c) => (c === 'card' ? existingCard : c === 'name' ? 'Someone Else' : ''));
            const input = edits.reduce(applyEdit, clash ? `${f}\n${clashRow.join(',')}` : f);
            const r = parse(input);
            expectWellFormed(r);
            const before = await ledgerState(store);
            const count = (await store.listMembers()).length;
            if (!r.ok) {
              // What the CLI does with a failed parse: nothing reaches the store.
              expect(await ledgerState(store)).toBe(before);
              return;
            }
            let imported: number | undefined;
            try {
              imported = await store.importMembers(r.rows);
            } catch (e) {
              // The store refuses a card or id it already has, atomically.
              expect(String(e)).toMatch(/import refused/);
              expect(await ledgerState(store)).toBe(before);
              return;
            }
            expect(imported).toBe(r.rows.length);
            expect((await store.listMembers()).length).toBe(count + r.rows.length);
            // A migrated member's standing is stored as parsed.
            for (const row of r.rows) {
              const m = await store.getMember(row.memberId);
              expect([m?.lifetimePoints, m?.welcomeGiven]).toEqual([row.lifetimePoints, row.welcomeGiven]);
            }
          }),
          { numRuns: runs(60) },
        );
      },
      timeoutFor(10_000),
    );
  });
});
