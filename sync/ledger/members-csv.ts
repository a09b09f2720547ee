/**
 * Parses a head-office member import (CSV) into rows for `LedgerStore.importMembers`. Nothing is imported unless the
 * whole file is valid: every problem is reported, with its line, a stable code and a sentence, so that head office
 * can fix the file in one go.
 */
import { parse } from 'csv-parse/sync';
import type { CsvError } from 'csv-parse/sync';
import { z } from 'zod';
import { luhnValid } from '../loyalty/card.ts';
import type { ConsentChange } from '../loyalty/consent.ts';
import { migratedStanding } from '../loyalty/migrated-member.ts';
import { MemberIdSchema, StoreIdSchema } from '../loyalty/units.ts';
import type { Card, Points, StoreId } from '../loyalty/units.ts';
import type { ImportMember } from './store/types.ts';

/**
 * The columns a file may have, in the order an export writes them; `card` and `name` are required. `lifetime_points`,
 * `welcome_given` and `joined` carry a migrated member's past (sync/loyalty/migrated-member.ts decides what they mean
 * together); the `consent_*` columns the marketing consent the old program recorded (yes/no per channel, blank: not
 * recorded) and when (`consent_date`, default: the import).
 */
export const MEMBER_CSV_COLUMNS = [
  'card',
  'name',
  'email',
  'postal_address',
  'home_store',
  'opening_balance',
  'birthday',
  'lifetime_points',
  'welcome_given',
  'joined',
  'consent_email',
  'consent_sms',
  'consent_post',
  'consent_date',
] as const;
export type MemberCsvColumn = (typeof MEMBER_CSV_COLUMNS)[number];
const REQUIRED: readonly MemberCsvColumn[] = ['card', 'name'];

export const MEMBER_CSV_MAX_BYTES = 50 * 1024 * 1024;
export const MEMBER_CSV_MAX_ROWS = 1_000_000;
/** At most this many errors are returned; the last one then says how many more there were. */
export const MEMBER_CSV_MAX_ERRORS = 100;
/** Largest opening balance accepted, the same bound a program puts on any points figure. */
export const MEMBER_CSV_MAX_OPENING_BALANCE = 1_000_000_000;

export type MemberCsvErrorCode =
  'CSV_TOO_LARGE' | 'CSV_MALFORMED' | 'CSV_HEADER' | 'CSV_ROW_INVALID' | 'CSV_DUPLICATE_CARD' | 'CSV_TOO_MANY_ERRORS';

/** One problem in the file. `line` is the 1-based line where the record starts (the header is line 1); 0 is the whole file. */
export interface MemberCsvError {
  line: number;
  code: MemberCsvErrorCode;
  message: string;
}

export type MemberCsvResult = { ok: true; rows: ImportMember[] } | { ok: false; errors: MemberCsvError[] };

export interface MemberCsvOptions {
  /** Makes the id of each new member (a lower-case UUID); called only when the whole file is valid. */
  makeId: () => string;
  /** Lower limits, for tests; the defaults are the product's. */
  limits?: { maxBytes?: number; maxRows?: number };
}

/** Control characters (tab included), which have no place in a name. */
const CONTROL = /\p{Cc}/u;
/** An address may span lines; other control characters are refused. */
const CONTROL_BUT_NEWLINE = /[^\P{Cc}\n]/u;
const blankToNull = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? null : v);
const noControl = (re: RegExp) => (v: string) => !re.test(v);

/** A whole number of points, as opening_balance and lifetime_points take them. */
const pointsField = (what: string, is = 'is') =>
  z.preprocess(
    blankToNull,
    z
      .string()
      .trim()
      .regex(/^[0-9]{1,10}$/, `the ${what} must be a whole number of points, without separators`)
      .transform(Number)
      .pipe(z.number().max(MEMBER_CSV_MAX_OPENING_BALANCE, `the ${what} ${is} larger than 1,000,000,000 points`))
      .nullable()
      .default(null),
  );

const YES = new Set(['true', '1', 'yes']);
const NO = new Set(['false', '0', 'no']);

/** A calendar date written YYYY-MM-DD. */
const isIsoDate = (v: string): boolean => {
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
};

/** A yes/no column (true/false, 1/0 too); blank or absent: null. */
const yesNo = (what: string) =>
  z.preprocess(
    blankToNull,
    z
      .string()
      .trim()
      .transform((v) => v.toLowerCase())
      .refine((v) => YES.has(v) || NO.has(v), `${what} must be true or false (or 1/0, yes/no)`)
      .transform((v) => YES.has(v))
      .nullable()
      .default(null),
  );

/** One row, as the strings the file holds; absent columns arrive as undefined. */
const RowSchema = z.object({
  card: z
    .string({ error: 'the card is missing' })
    .trim()
    // Abort here: a card that is not digits has no check digit worth reporting on.
    .regex(/^[0-9]{8,19}$/, { message: 'the card must be 8 to 19 digits', abort: true })
    .refine(luhnValid, 'the card number fails its check digit (mistyped?)'),
  name: z
    .string({ error: 'the name is missing' })
    .trim()
    .min(1, 'the name is empty')
    .max(200, 'the name is longer than 200 characters')
    .refine(noControl(CONTROL), 'the name holds control characters'),
  email: z.preprocess(
    blankToNull,
    z
      .string()
      .trim()
      .max(254, 'the e-mail is longer than 254 characters')
      .pipe(z.email('the e-mail is not a valid address'))
      .nullable()
      .default(null),
  ),
  postal_address: z.preprocess(
    blankToNull,
    z
      .string()
      .trim()
      .max(500, 'the postal address is longer than 500 characters')
      .refine(noControl(CONTROL_BUT_NEWLINE), 'the postal address holds control characters')
      .nullable()
      .default(null),
  ),
  home_store: z.preprocess(
    blankToNull,
    z
      .string()
      .trim()
      .refine(
        (v) => StoreIdSchema.safeParse(v).success,
        'the home store is not a store id (1 to 64 letters, digits, dots, dashes or underscores)',
      )
      .nullable()
      .default(null),
  ),
  opening_balance: pointsField('opening balance'),
  // Only month and day are kept: the birthday event needs no more, and the year is personal data we do not need.
  birthday: z.preprocess(
    blankToNull,
    z
      .string()
      .trim()
      .regex(/^(\d{4}-)?\d{2}-\d{2}$/, 'the birthday must be MM-DD or YYYY-MM-DD')
      .transform((v) => v.slice(-5))
      .refine((md) => {
        const [m, d] = md.split('-').map(Number);
        return (
          m !== undefined &&
          d !== undefined &&
          m >= 1 &&
          m <= 12 &&
          d >= 1 &&
          d <= new Date(Date.UTC(2024, m, 0)).getUTCDate()
        );
      }, 'the birthday is not a date')
      .nullable()
      .default(null),
  ),
  lifetime_points: pointsField('lifetime points', 'are'),
  welcome_given: yesNo('the welcome flag'),
  // Only evidence that the member belonged to the old program (see migratedWelcomeGiven); the date is not stored.
  joined: z.preprocess(
    blankToNull,
    z.string().trim().refine(isIsoDate, 'the join date must be a date written YYYY-MM-DD').nullable().default(null),
  ),
  consent_email: yesNo('the e-mail consent'),
  consent_sms: yesNo('the SMS consent'),
  consent_post: yesNo('the post consent'),
  consent_date: z.preprocess(
    blankToNull,
    z.string().trim().refine(isIsoDate, 'the consent date must be a date written YYYY-MM-DD').nullable().default(null),
  ),
});

const isKnownColumn = (c: string): c is MemberCsvColumn => (MEMBER_CSV_COLUMNS as readonly string[]).includes(c);

/** The consent a row records, if any: only the channels it fills in, at its date (midnight UTC) or the import's. */
function importedConsent(r: z.infer<typeof RowSchema>): Pick<ImportMember, 'consent' | 'consentAt'> {
  const change: ConsentChange = {};
  if (r.consent_email !== null) change.email = r.consent_email;
  if (r.consent_sms !== null) change.sms = r.consent_sms;
  if (r.consent_post !== null) change.post = r.consent_post;
  if (Object.keys(change).length === 0) return {};
  return r.consent_date === null
    ? { consent: change }
    : { consent: change, consentAt: Date.parse(`${r.consent_date}T00:00:00Z`) };
}

/** Errors, kept in line order and bounded, with a count of those dropped. */
class ErrorList {
  readonly kept: MemberCsvError[] = [];
  dropped = 0;
  add(line: number, code: MemberCsvErrorCode, message: string): void {
    if (this.kept.length < MEMBER_CSV_MAX_ERRORS) this.kept.push({ line, code, message });
    else this.dropped++;
  }
  get size(): number {
    return this.kept.length + this.dropped;
  }
}

/** Merges bounded error lists (each in line order) into at most MEMBER_CSV_MAX_ERRORS, the last saying what was left out. */
function mergeErrors(lists: readonly ErrorList[]): MemberCsvError[] {
  const all = lists.flatMap((l) => l.kept).sort((a, b) => a.line - b.line);
  const total = lists.reduce((s, l) => s + l.size, 0);
  if (total <= MEMBER_CSV_MAX_ERRORS) return all;
  const shown = all.slice(0, MEMBER_CSV_MAX_ERRORS - 1);
  const more = total - shown.length;
  shown.push({
    line: all[MEMBER_CSV_MAX_ERRORS - 1]?.line ?? 0,
    code: 'CSV_TOO_MANY_ERRORS',
    message: `${more} more errors from here on are not listed; fix the ones above and import again.`,
  });
  return shown;
}

/** Quote errors leave the parser unsure where later records start: what follows one is not checked. */
const STRUCTURAL: ReadonlySet<string> = new Set([
  'CSV_QUOTE_NOT_CLOSED',
  'INVALID_OPENING_QUOTE',
  'CSV_INVALID_CLOSING_QUOTE',
  'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE',
]);

/** First line of a record, from the line it ends on and its raw text (leading blank lines skipped, trailing newline dropped). */
function startLine(endLine: number, raw: string | undefined): number {
  if (raw === undefined) return endLine;
  const body = raw.replace(/^\n+/, '').replace(/\n$/, '');
  let breaks = 0;
  for (const ch of body) if (ch === '\n') breaks++;
  return endLine - breaks;
}

function describeCsvError(err: CsvError | undefined): string {
  switch (err?.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'this row does not have as many fields as the header (a comma too many or too few?); the row was not read.';
    case 'INVALID_OPENING_QUOTE':
      return 'a field that is not quoted holds a quote (quote the whole field and write "" for the quote); nothing after it was checked.';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field opened here is never closed; nothing after it could be read.';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a quote inside a field is not doubled (write "" for a quote in a quoted field); nothing after it was checked.';
    default:
      return `the CSV could not be read here (${err?.code ?? 'unknown error'}).`;
  }
}

interface RawRecord {
  record: string[];
  info: { lines: number };
  raw: string | undefined;
}

/**
 * Parses a member import file: a header row naming some of MEMBER_CSV_COLUMNS (`card` and `name` required, any order,
 * no others), then one member per row. UTF-8 text with or without BOM, CRLF or LF line ends. Returns every row, each
 * with a new id from `makeId`, or the errors found (at most MEMBER_CSV_MAX_ERRORS). Never throws on bad input.
 */
export function parseMembersCsv(text: string, opts: MemberCsvOptions): MemberCsvResult {
  const maxBytes = opts.limits?.maxBytes ?? MEMBER_CSV_MAX_BYTES;
  const maxRows = opts.limits?.maxRows ?? MEMBER_CSV_MAX_ROWS;
  const fail = (line: number, code: MemberCsvErrorCode, message: string): MemberCsvResult => ({
    ok: false,
    errors: [{ line, code, message }],
  });

  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes)
    return fail(
      0,
      'CSV_TOO_LARGE',
      `The file is ${bytes} bytes; an import takes at most ${maxBytes}. Split it into several files.`,
    );

  // One line-end convention before parsing keeps csv-parse's line count right inside multi-line quoted fields.
  const body = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');

  const parseErrors = new ErrorList();
  /** Start line of the first quote error: records from there on are not trusted. */
  let brokenAt = Infinity;
  let records: RawRecord[];
  try {
    records = parse(body, {
      info: true,
      raw: true,
      trim: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      // The header counts as a record; one more than allowed is enough to refuse the file.
      to: maxRows + 2,
      on_skip: (err, raw) => {
        const line = startLine(typeof err?.lines === 'number' ? err.lines : 0, raw);
        if (brokenAt !== Infinity) return undefined;
        parseErrors.add(line, 'CSV_MALFORMED', `Line ${line}: ${describeCsvError(err)}`);
        if (err && STRUCTURAL.has(err.code)) brokenAt = line;
        return undefined;
      },
    }) as unknown as RawRecord[];
  } catch (e) {
    const err = e as Partial<CsvError>;
    const line = typeof err.lines === 'number' ? err.lines : 0;
    parseErrors.add(line, 'CSV_MALFORMED', `Line ${line}: ${describeCsvError(e as CsvError)}`);
    return { ok: false, errors: mergeErrors([parseErrors]) };
  }

  const [header, ...rows] = records;
  if (!header)
    return fail(1, 'CSV_HEADER', `The file is empty; it needs a header row such as "${MEMBER_CSV_COLUMNS.join(',')}".`);
  if (rows.length > maxRows)
    return fail(0, 'CSV_TOO_LARGE', `The file has more than ${maxRows} rows; split it into several files.`);
  const headerLine = startLine(header.info.lines, header.raw);

  const columns = header.record.map((c) => c.trim().toLowerCase());
  const unknown = columns.filter((c) => !isKnownColumn(c)).map((c) => (c === '' ? '(empty)' : c));
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  const repeated = columns.filter((c, i) => columns.indexOf(c) !== i);
  const headerProblems: string[] = [];
  if (unknown.length > 0)
    headerProblems.push(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}`);
  if (missing.length > 0) headerProblems.push(`missing ${missing.map((c) => `"${c}"`).join(', ')}`);
  if (repeated.length > 0) headerProblems.push(`repeated ${[...new Set(repeated)].map((c) => `"${c}"`).join(', ')}`);
  if (headerProblems.length > 0)
    return fail(
      headerLine,
      'CSV_HEADER',
      `Line ${headerLine}: the header is not valid (${headerProblems.join('; ')}); the columns are ${MEMBER_CSV_COLUMNS.join(', ')}, of which card and name are required.`,
    );

  const rowErrors = new ErrorList();
  const valid: Omit<ImportMember, 'memberId'>[] = [];
  const cardLines = new Map<string, number>();
  for (const rec of rows) {
    const line = startLine(rec.info.lines, rec.raw);
    if (line > brokenAt) break;
    const fields: Partial<Record<MemberCsvColumn, string>> = {};
    columns.forEach((c, i) => {
      const v = rec.record[i];
      if (isKnownColumn(c) && v !== undefined) fields[c] = v;
    });
    const parsed = RowSchema.safeParse(fields);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const column = String(issue.path[0] ?? 'row');
        rowErrors.add(line, 'CSV_ROW_INVALID', `Line ${line}, ${column}: ${issue.message}.`);
      }
      continue;
    }
    const r = parsed.data;
    const first = cardLines.get(r.card);
    if (first !== undefined) {
      rowErrors.add(
        line,
        'CSV_DUPLICATE_CARD',
        `Line ${line}: card ${r.card} is already on line ${first}; a card belongs to one member.`,
      );
      continue;
    }
    cardLines.set(r.card, line);
    const standing = migratedStanding({
      openingBalance: r.opening_balance ?? 0,
      lifetimePoints: r.lifetime_points,
      welcomeGiven: r.welcome_given,
      joined: r.joined,
    });
    valid.push({
      card: r.card as Card,
      name: r.name,
      email: r.email,
      postalAddress: r.postal_address,
      homeStoreId: r.home_store as StoreId | null,
      openingBalance: (r.opening_balance ?? 0) as Points,
      birthday: r.birthday,
      lifetimePoints: standing.lifetimePoints as Points,
      welcomeGiven: standing.welcomeGiven,
      ...importedConsent(r),
    });
  }

  if (parseErrors.size + rowErrors.size > 0) return { ok: false, errors: mergeErrors([parseErrors, rowErrors]) };
  return { ok: true, rows: valid.map((r) => ({ memberId: MemberIdSchema.parse(opts.makeId()), ...r })) };
}
