import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MEMBER_CSV_MAX_BYTES,
  MEMBER_CSV_MAX_ERRORS,
  MEMBER_CSV_MAX_ROWS,
  parseMembersCsv,
} from '../../../sync/ledger/members-csv.ts';
import type { MemberCsvResult } from '../../../sync/ledger/members-csv.ts';
import type { ImportMember } from '../../../sync/ledger/store/types.ts';
import { withLuhn } from '../../../sync/loyalty/card.ts';

/** Deterministic lower-case UUIDs, so that results compare exactly. */
function ids(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
}
const parse = (text: string, limits?: { maxBytes?: number; maxRows?: number }): MemberCsvResult =>
  parseMembersCsv(text, { makeId: ids(), ...(limits ? { limits } : {}) });
const errorsOf = (r: MemberCsvResult) => (r.ok ? [] : r.errors);
const codes = (r: MemberCsvResult) => errorsOf(r).map((e) => [e.line, e.code]);

const CARD_A = '6280000000000008';
const CARD_B = '6280123456789013';
const CARD_C = withLuhn('628055555555555');
const HEADER = 'card,name,email,postal_address,home_store,opening_balance';

/** Quotes every field, doubling quotes, as a spreadsheet export would. */
const csvField = (v: string) => `"${v.replace(/"/g, '""')}"`;
function toCsv(rows: readonly ImportMember[], eol = '\n'): string {
  const lines = rows.map((r) =>
    [r.card, r.name, r.email ?? '', r.postalAddress ?? '', r.homeStoreId ?? '', String(r.openingBalance)]
      .map(csvField)
      .join(','),
  );
  return [HEADER, ...lines].join(eol) + eol;
}

describe('parseMembersCsv: accepted files', () => {
  it('reads every column into an import row with a new id', () => {
    const text = `${HEADER}\n${CARD_A},Ada Lovelace,ada@example.com,"12 Station Road\nLeeds\nLS6 2AB",leeds-01,1250\n`;
    expect(parse(text)).toEqual({
      ok: true,
      rows: [
        {
          memberId: '00000000-0000-4000-8000-000000000001',
          card: CARD_A,
          name: 'Ada Lovelace',
          email: 'ada@example.com',
          postalAddress: '12 Station Road\nLeeds\nLS6 2AB',
          homeStoreId: 'leeds-01',
          openingBalance: 1250,
          birthday: null,
          // Points held: a member of the old program, whose welcome bonus was given there.
          lifetimePoints: 1250,
          welcomeGiven: true,
        },
      ],
    });
  });

  it('needs only card and name, in any order, and defaults the rest to null and a zero balance', () => {
    const r = parse(`name,card\nAda Lovelace,${CARD_A}\n`);
    expect(r).toEqual({
      ok: true,
      rows: [
        {
          memberId: '00000000-0000-4000-8000-000000000001',
          card: CARD_A,
          name: 'Ada Lovelace',
          email: null,
          postalAddress: null,
          homeStoreId: null,
          openingBalance: 0,
          birthday: null,
          lifetimePoints: 0,
          welcomeGiven: false,
        },
      ],
    });
  });

  it('keeps only the month and day of a birthday, and refuses one that is not a date', () => {
    const ok = parse(`card,name,birthday\n${CARD_A},Ada,1815-12-10\n`);
    expect(ok.ok && ok.rows[0]?.birthday).toBe('12-10');
    expect(parse(`card,name,birthday\n${CARD_A},Ada,02-29\n`)).toMatchObject({ ok: true });
    expect(parse(`card,name,birthday\n${CARD_A},Ada,02-30\n`)).toMatchObject({
      ok: false,
      errors: [{ line: 2, code: 'CSV_ROW_INVALID', message: 'Line 2, birthday: the birthday is not a date.' }],
    });
  });

  it('treats blank optional fields as absent', () => {
    const r = parse(`${HEADER}\n${CARD_A},Ada,  ,,,\n`);
    expect(r.ok && r.rows[0]).toMatchObject({ email: null, postalAddress: null, homeStoreId: null, openingBalance: 0 });
  });

  it('tolerates a BOM, CRLF line ends, blank lines, spaces around fields and header case', () => {
    const text = `\uFEFFCard , NAME\r\n\r\n ${CARD_A} ,  Ada Lovelace \r\n${CARD_B},"Brunel, Isambard"\r\n`;
    const r = parse(text);
    expect(r.ok && r.rows.map((m) => [m.card, m.name])).toEqual([
      [CARD_A, 'Ada Lovelace'],
      [CARD_B, 'Brunel, Isambard'],
    ]);
  });

  it('keeps CRLF inside a quoted address as a plain line break', () => {
    const r = parse(`card,name,postal_address\r\n${CARD_A},Ada,"1 High Street\r\nYork"\r\n`);
    expect(r.ok && r.rows[0]?.postalAddress).toBe('1 High Street\nYork');
  });

  it("reads a migrated member's lifetime points, welcome flag and join date, and decides the welcome from them", () => {
    const header = 'card,name,opening_balance,lifetime_points,welcome_given,joined';
    const standing = (fields: string) => {
      const r = parse(`${header}\n${CARD_A},Ada,${fields}\n`);
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return [r.rows[0]?.lifetimePoints, r.rows[0]?.welcomeGiven];
    };
    expect(standing('1777,2500,,')).toEqual([2500, true]); // points held: welcomed in the old program
    expect(standing('1777,,,')).toEqual([1777, true]); // lifetime points default to the balance
    expect(standing('0,300,,')).toEqual([300, true]); // points ever earned
    expect(standing(',,,2019-03-14')).toEqual([0, true]); // a join date
    expect(standing(',,,')).toEqual([0, false]); // nothing: new to the program
    expect(standing('1777,2500,no,2019-03-14')).toEqual([2500, false]); // the file says otherwise
    expect(standing(',,Yes,')).toEqual([0, true]);
    for (const [v, given] of [
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['false', false],
      ['0', false],
      ['No', false],
    ] as const)
      expect(standing(`500,,${v},`)).toEqual([500, given]);
  });

  it('accepts a header and no rows as an empty import', () => {
    expect(parse('card,name\n')).toEqual({ ok: true, rows: [] });
  });

  it('calls makeId once per row, and not at all when the file is refused', () => {
    let calls = 0;
    const makeId = () => `00000000-0000-4000-8000-${(++calls).toString().padStart(12, '0')}`;
    parseMembersCsv(`card,name\n${CARD_A},A\n${CARD_B},B\n`, { makeId });
    expect(calls).toBe(2);
    parseMembersCsv(`card,name\n${CARD_A},A\n123,B\n`, { makeId });
    expect(calls).toBe(2);
  });
});

describe('parseMembersCsv: refused files', () => {
  it.each([
    ['', 'an empty file'],
    ['\n\n', 'a file of blank lines'],
  ])('refuses %j (%s) with CSV_HEADER', (text) => {
    expect(codes(parse(text))).toEqual([[1, 'CSV_HEADER']]);
  });

  it('names the unknown columns of a header', () => {
    const e = errorsOf(parse(`card,name,phone,Loyalty Tier\n${CARD_A},Ada,0113,gold\n`));
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ line: 1, code: 'CSV_HEADER' });
    expect(e[0]?.message).toContain('"phone"');
    expect(e[0]?.message).toContain('"loyalty tier"');
  });

  it.each([
    ['email,postal_address', '"card", "name"'],
    ['card,email', '"name"'],
    ['card,name,card', 'repeated "card"'],
    ['card;name', '"card;name"'],
  ])('refuses the header %j, saying %s', (header, said) => {
    const e = errorsOf(parse(`${header}\n`));
    expect(e.map((x) => x.code)).toEqual(['CSV_HEADER']);
    expect(e[0]?.message).toContain(said);
  });

  it.each([
    ['card', '123', 'the card must be 8 to 19 digits'],
    ['card', '6280 0000 0000 0008', 'the card must be 8 to 19 digits'],
    ['card', '6280000000000009', 'the card number fails its check digit (mistyped?)'],
    ['name', '', 'the name is empty'],
    ['name', 'x'.repeat(201), 'the name is longer than 200 characters'],
    ['name', 'Ada\tLovelace', 'the name holds control characters'],
    ['email', 'ada.example.com', 'the e-mail is not a valid address'],
    ['email', 'ada@', 'the e-mail is not a valid address'],
    ['postal_address', 'a'.repeat(501), 'the postal address is longer than 500 characters'],
    [
      'home_store',
      'Leeds store',
      'the home store is not a store id (1 to 64 letters, digits, dots, dashes or underscores)',
    ],
    ['home_store', '-leeds', 'the home store is not a store id (1 to 64 letters, digits, dots, dashes or underscores)'],
    ['opening_balance', '-5', 'the opening balance must be a whole number of points, without separators'],
    ['opening_balance', '12.5', 'the opening balance must be a whole number of points, without separators'],
    ['opening_balance', '1,000', 'the opening balance must be a whole number of points, without separators'],
    ['opening_balance', '1000000001', 'the opening balance is larger than 1,000,000,000 points'],
    ['lifetime_points', '-5', 'the lifetime points must be a whole number of points, without separators'],
    ['lifetime_points', '2 500', 'the lifetime points must be a whole number of points, without separators'],
    ['lifetime_points', '1000000001', 'the lifetime points are larger than 1,000,000,000 points'],
    ['welcome_given', 'y', 'the welcome flag must be true or false (or 1/0, yes/no)'],
    ['welcome_given', '2', 'the welcome flag must be true or false (or 1/0, yes/no)'],
    ['joined', '14/03/2019', 'the join date must be a date written YYYY-MM-DD'],
    ['joined', '2023-02-29', 'the join date must be a date written YYYY-MM-DD'],
    ['joined', '2019-03-14T10:00', 'the join date must be a date written YYYY-MM-DD'],
  ])('refuses %s %j: %s', (column, value, message) => {
    const row: Record<string, string> = { card: CARD_A, name: 'Ada', [column]: value };
    const text = `${Object.keys(row).join(',')}\n${Object.values(row).map(csvField).join(',')}\n`;
    expect(errorsOf(parse(text))).toEqual([
      { line: 2, code: 'CSV_ROW_INVALID', message: `Line 2, ${column}: ${message}.` },
    ]);
  });

  it('reports every invalid migration field of a row at once, and imports nothing', () => {
    const text = `card,name,lifetime_points,welcome_given,joined\n${CARD_A},Ada,10,yes,\n${CARD_B},Bo,1.5,perhaps,2019-02-30\n`;
    expect(errorsOf(parse(text))).toEqual([
      {
        line: 3,
        code: 'CSV_ROW_INVALID',
        message: 'Line 3, lifetime_points: the lifetime points must be a whole number of points, without separators.',
      },
      {
        line: 3,
        code: 'CSV_ROW_INVALID',
        message: 'Line 3, welcome_given: the welcome flag must be true or false (or 1/0, yes/no).',
      },
      { line: 3, code: 'CSV_ROW_INVALID', message: 'Line 3, joined: the join date must be a date written YYYY-MM-DD.' },
    ]);
  });

  it('reports every invalid field of every row, with the line each row starts on', () => {
    const text = [
      'card,name,email,postal_address',
      `${CARD_A},Ada,ada@example.com,"Flat 2\n1 High Street\nYork"`,
      `123,,not-an-email,`,
      `${CARD_B},"Isambard ""IK"" Brunel",,`,
      `${CARD_C},Grace,grace@,"two\nlines"`,
      '',
    ].join('\n');
    expect(codes(parse(text))).toEqual([
      [5, 'CSV_ROW_INVALID'],
      [5, 'CSV_ROW_INVALID'],
      [5, 'CSV_ROW_INVALID'],
      [7, 'CSV_ROW_INVALID'],
    ]);
  });

  it('refuses a card that appears twice, naming both lines', () => {
    const text = `card,name\n${CARD_A},Ada\n${CARD_B},Isambard\n${CARD_A},Ada again\n`;
    const e = errorsOf(parse(text));
    expect(e).toEqual([
      {
        line: 4,
        code: 'CSV_DUPLICATE_CARD',
        message: `Line 4: card ${CARD_A} is already on line 2; a card belongs to one member.`,
      },
    ]);
  });

  it('refuses a row with more or fewer fields than the header, and goes on checking the rest', () => {
    const text = `card,name\n${CARD_A},Ada,extra\n${CARD_B}\n${CARD_C},Grace\n123,Bad card\n`;
    expect(codes(parse(text))).toEqual([
      [2, 'CSV_MALFORMED'],
      [3, 'CSV_MALFORMED'],
      [5, 'CSV_ROW_INVALID'],
    ]);
  });

  it('stops at a broken quote, since where later rows start is then unknown', () => {
    const text = `card,name\n${CARD_A},Ada\n${CARD_B},"Isambard "IK" Brunel"\n123,Bad card\n${CARD_C},"Grace\n`;
    expect(codes(parse(text))).toEqual([[3, 'CSV_MALFORMED']]);
  });

  it('refuses a quote inside a field that is not quoted', () => {
    const e = errorsOf(parse(`card,name\n${CARD_A},Isambard "IK" Brunel\n`));
    expect(e.map((x) => [x.line, x.code])).toEqual([[2, 'CSV_MALFORMED']]);
    expect(e[0]?.message).toContain('holds a quote');
  });

  it('refuses an unclosed quote at the end of the file', () => {
    const e = errorsOf(parse(`card,name\n${CARD_A},"Ada\n`));
    expect(e.map((x) => [x.line, x.code])).toEqual([[2, 'CSV_MALFORMED']]);
    expect(e[0]?.message).toContain('never closed');
  });

  it(`lists at most ${MEMBER_CSV_MAX_ERRORS} errors, the last saying how many more there are`, () => {
    const rows = Array.from({ length: 250 }, (_, i) => `12${i},Member ${i}`);
    const e = errorsOf(parse(`card,name\n${rows.join('\n')}\n`));
    expect(e).toHaveLength(MEMBER_CSV_MAX_ERRORS);
    expect(e[98]).toMatchObject({ line: 100, code: 'CSV_ROW_INVALID' });
    expect(e[99]).toMatchObject({ line: 101, code: 'CSV_TOO_MANY_ERRORS' });
    expect(e[99]?.message).toMatch(/^151 more errors/);
  });

  it(`refuses a file over ${MEMBER_CSV_MAX_BYTES} bytes (50 MiB) before reading it`, () => {
    expect(MEMBER_CSV_MAX_BYTES).toBe(50 * 1024 * 1024);
    const huge = `card,name\n${CARD_A},${'x'.repeat(MEMBER_CSV_MAX_BYTES)}\n`;
    expect(codes(parse(huge))).toEqual([[0, 'CSV_TOO_LARGE']]);
  });

  it('counts the size in UTF-8 bytes, not characters', () => {
    const text = `card,name\n${CARD_A},${'é'.repeat(60)}\n`; // 60 characters, 120 bytes
    expect(codes(parse(text, { maxBytes: 100 }))).toEqual([[0, 'CSV_TOO_LARGE']]);
    expect(parse(text, { maxBytes: 200 }).ok).toBe(true);
  });

  it(`refuses a file over ${MEMBER_CSV_MAX_ROWS} rows`, () => {
    expect(MEMBER_CSV_MAX_ROWS).toBe(1_000_000);
    const rows = (n: number) =>
      `card,name\n${Array.from({ length: n }, (_, i) => `${withLuhn(`6280${String(i).padStart(11, '0')}`)},M`).join('\n')}\n`;
    expect(parse(rows(3), { maxRows: 3 }).ok).toBe(true);
    expect(codes(parse(rows(4), { maxRows: 3 }))).toEqual([[0, 'CSV_TOO_LARGE']]);
  });
});

describe('parseMembersCsv: properties', () => {
  /** Field values: mostly valid, with quotes, commas and line breaks; sometimes anything at all. */
  const chars = (cs: string, minLength = 0, maxLength = 16) =>
    fc.string({ unit: fc.constantFrom(...cs), minLength, maxLength });
  const noise = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    chars('a ,"\n\r\té1@.', 0, 12),
    fc.emailAddress(),
  );
  const mostly = <T extends string>(valid: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: noise });
  const word = chars('abcdefghijklmnopqrstuvwxyz0123456789', 1, 8);
  const arbRow = fc.record({
    card: mostly(chars('0123456789', 7, 18).map(withLuhn)),
    name: mostly(chars("AZaz ',\"'-éß", 1, 20).filter((n) => n.trim() !== '')),
    email: mostly(
      fc.oneof(
        fc.constant(''),
        fc.tuple(word, word).map(([l, d]) => `${l}@${d}.example`),
      ),
    ),
    postalAddress: mostly(fc.oneof(fc.constant(''), chars('1 Ab,"\n\r', 1, 30))),
    homeStore: mostly(
      fc.oneof(
        fc.constant(''),
        chars('abAB09._-', 0, 8).map((s) => `s${s}`),
      ),
    ),
    openingBalance: mostly(fc.oneof(fc.constant(''), fc.nat({ max: 1_200_000_000 }).map(String))),
  });

  it('reads back what it accepted: serialising the rows and parsing them again gives the same rows', () => {
    fc.assert(
      fc.property(fc.array(arbRow, { maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (input, eol) => {
        const text =
          [
            HEADER,
            ...input.map((r) =>
              [r.card, r.name, r.email, r.postalAddress, r.homeStore, r.openingBalance].map(csvField).join(','),
            ),
          ].join(eol) + eol;
        const first = parse(text);
        if (!first.ok) {
          expect(first.errors.length).toBeGreaterThan(0);
          return;
        }
        // What was accepted is what was written, less surrounding spaces, with one kind of line end, blanks as null.
        const norm = (v: string) => v.replace(/\r\n?/g, '\n').trim();
        const orNull = (v: string) => (norm(v) === '' ? null : norm(v));
        expect(first.rows.map(({ memberId: _, ...row }) => row)).toEqual(
          input.map((r) => ({
            card: norm(r.card),
            name: norm(r.name),
            email: orNull(r.email),
            postalAddress: orNull(r.postalAddress),
            homeStoreId: orNull(r.homeStore),
            openingBalance: Number(orNull(r.openingBalance) ?? 0),
            birthday: null,
            lifetimePoints: Number(orNull(r.openingBalance) ?? 0),
            welcomeGiven: Number(orNull(r.openingBalance) ?? 0) > 0,
          })),
        );
        expect(parse(toCsv(first.rows, eol))).toEqual(first);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on garbage, and reports at least one error whenever it refuses', () => {
    const garbage = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc.string({
        unit: fc.constantFrom('c', 'a', 'r', 'd', 'n', 'm', 'e', ',', '"', '\n', '\r', '\uFEFF', ' ', '6'),
        maxLength: 200,
      }),
      fc
        .array(fc.string({ unit: 'binary', maxLength: 20 }), { maxLength: 10 })
        .map((cells) => `card,name\n${cells.join(',')}`),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        const r = parse(text);
        if (r.ok) expect(r.rows.every((m) => /^[0-9]{8,19}$/.test(m.card))).toBe(true);
        else {
          expect(r.errors.length).toBeGreaterThan(0);
          expect(r.errors.length).toBeLessThanOrEqual(MEMBER_CSV_MAX_ERRORS);
          for (const e of r.errors) expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
