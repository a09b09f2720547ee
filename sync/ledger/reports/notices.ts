/**
 * Member notices of the program's closing: every member the closing concerns told by name (every member when the
 * closing has terms to answer, else every member with points), each with a letter reference and, given the portal's
 * address, a personal link and its QR code (member-links.ts), as a CSV for mail
 * merge or as printable PDF letters, one page per member. Members are read by keyset pages over member_id and written
 * as they come, so memory stays bounded by one page however many members there are.
 *
 * Recording, per (member, program version), the first notice issued:
 *   a page read → its rows upserted as `pending:<run>` (a pending row of a crashed run is taken over, an issued row is
 *   kept as is) → … → file complete, synced and renamed into place → `pending:<run>` rows become `<run>`.
 * A crash before the end leaves the file under a temporary name and the rows pending, and pending rows count as not
 * told: a rerun issues them again, so no member is recorded as told by a letter that was never finished.
 */
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { BODY, BOLD, releaseWritten, writeLetters } from './letter-pdf.ts';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { v7 as uuidv7 } from 'uuid';
import { tenderValue } from '../../loyalty/burn.ts';
import { dayLabelUtc } from '../../loyalty/calendar.ts';
import { deadlineMessage, voucherValue, type Closing } from '../../loyalty/closing.ts';
import { localeOf } from '../../loyalty/i18n/locale.ts';
import { messages } from '../../loyalty/i18n/messages.ts';
import type { Program } from '../../loyalty/program.ts';
import type { Cents, MemberId, Points } from '../../loyalty/units.ts';
import { CodedError } from '../../protocol/errors.ts';
import type { LedgerStore } from '../store/types.ts';
import { ledgerLinkSigner, memberLinkUrl, newLetterRef } from '../member-links.ts';
import { drawQr } from './qr-pdf.ts';

/** Members read per query. */
export const NOTICE_PAGE_SIZE = 1_000;

export type NoticeFormat = 'csv' | 'pdf';
export const NOTICE_FORMATS: readonly NoticeFormat[] = ['csv', 'pdf'];

/** A program with a closing: what every notice is about. */
export type ClosingProgram = Program & { closing: Closing };

/** One member to tell, with everything the notice says. */
export interface Notice {
  memberId: MemberId;
  name: string;
  postalAddress: string | null;
  email: string | null;
  balance: Points;
  /** The balance as tender (what it pays for in store). */
  valueCents: Cents;
  /** The voucher the whole balance converts into, at the closing's rate. */
  voucherCents: Cents;
  /** The member's answer to the closing's terms, when they answered this version. */
  termsAnswer: 'accepted' | 'refused' | null;
  /** The letter reference (a cashier types it in the card field). */
  ref: string;
  /** The member's personal link, when the portal's address is known. */
  link: string | null;
}

export interface NoticeProgress {
  /** Members written so far. */
  members: number;
  /** Bytes the output has taken so far. */
  bytes: number;
}

interface PageOptions {
  pageSize?: number | undefined;
  /** Only members with no issued notice for this program version. */
  notTold?: boolean | undefined;
  onPage?: ((rows: number) => void) | undefined;
  /** The portal's base URL: each notice gets its personal link (default $LEDGER_PORTAL_URL; null: no links). */
  portalUrl?: string | null | undefined;
  /** When the references given now were issued. */
  now?: number | undefined;
}

/** Whether every member must be told (the closing has terms every member answers), not only those with points. */
export const everyoneConcerned = (program: ClosingProgram): boolean => program.closing.termsVersion !== undefined;

/** The portal's base URL from an option or $LEDGER_PORTAL_URL, checked (http or https), or null when neither is set. */
export function portalUrlFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = option ?? env['LEDGER_PORTAL_URL'];
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CodedError('BAD_ARGUMENT', `portal URL "${raw}" is not a URL (e.g. https://points.example.com).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new CodedError('BAD_ARGUMENT', `portal URL "${raw}" must start with https:// (or http:// for a test).`);
  return url.href.replace(/\/+$/, '');
}

/** The newest program, which must have a closing. */
export async function closingProgram(store: LedgerStore): Promise<ClosingProgram> {
  const program = await store.latestProgram();
  if (!program) throw new CodedError('NO_CLOSING', 'no program yet, so there is no closing to tell members about.');
  if (!program.closing)
    throw new CodedError(
      'NO_CLOSING',
      `program version ${program.version} has no closing: set one with "ledger program set FILE.json" first.`,
    );
  return program as ClosingProgram;
}

/**
 * Members who must be told (balance > 0), by member id, one page per query: `WHERE member_id > last ORDER BY
 * member_id LIMIT n` on the primary key, so each page costs the same however deep the run is.
 */
export async function* memberPages(
  store: LedgerStore,
  program: ClosingProgram,
  options: PageOptions = {},
): AsyncGenerator<Notice[]> {
  const pageSize = options.pageSize ?? NOTICE_PAGE_SIZE;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`a page of ${pageSize} members`);
  const terms = program.closing.termsVersion;
  const portalUrl = options.portalUrl === undefined ? portalUrlFrom(undefined) : options.portalUrl;
  const signer = await ledgerLinkSigner(store);
  const expiresAt = program.closing.burnDeadline;
  let after = '';
  for (;;) {
    const rows = await store.notices.membersToTell(
      after,
      pageSize,
      options.notTold ? program.version : undefined,
      everyoneConcerned(program),
    );
    options.onPage?.(rows.length);
    if (rows.length === 0) return;
    after = rows.at(-1)?.memberId ?? after;
    const refs = await store.memberChannel.ensureLinks(
      rows.map((r) => r.memberId),
      program.version,
      expiresAt,
      options.now ?? Date.now(),
      newLetterRef,
    );
    yield rows.map((r) => {
      const ref = refs.get(r.memberId) ?? '';
      return {
        memberId: r.memberId,
        name: r.name,
        postalAddress: r.postalAddress,
        email: r.email,
        balance: r.balance,
        // An overdrawn member (told of the terms) has nothing to use or convert.
        valueCents: tenderValue(program, Math.max(0, r.balance) as Points),
        voucherCents: voucherValue(program, Math.max(0, r.balance)),
        termsAnswer: terms !== undefined && r.termsVersion === terms ? r.termsAnswer : null,
        ref,
        link: portalUrl === null ? null : memberLinkUrl(portalUrl, signer.token(ref, program.version, expiresAt)),
      };
    });
    if (rows.length < pageSize) return;
  }
}

// CSV ----------------------------------------------------------------------------------------------------------------

const CSV_COLUMNS = [
  'member_id',
  'name',
  'postal_address',
  'email',
  'balance_points',
  'value_cents',
  'voucher_cents',
  'currency',
  'last_day',
  'burn_deadline_utc',
  'message',
  'terms_version',
  'terms_answer',
  'letter_ref',
  'link',
] as const;

/** A text cell that a spreadsheet would read as a formula gets a leading apostrophe (CSV injection). */
export const safeText = (s: string | null): string => (s === null ? '' : /^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

function csvRecord(program: ClosingProgram, n: Notice, now: number): string[] {
  const c = program.closing;
  return [
    n.memberId,
    safeText(n.name),
    safeText(n.postalAddress),
    safeText(n.email),
    String(n.balance),
    String(n.valueCents),
    String(n.voucherCents),
    program.currency,
    dayLabelUtc(c.burnDeadline - 1),
    new Date(c.burnDeadline).toISOString(),
    deadlineMessage(program, now) ?? '',
    c.termsVersion ?? '',
    c.termsVersion === undefined ? '' : (n.termsAnswer ?? 'not answered'),
    n.ref,
    n.link ?? '',
  ];
}

async function* csvRecords(
  program: ClosingProgram,
  pages: AsyncIterable<Notice[]>,
  now: number,
): AsyncGenerator<string[]> {
  for await (const page of pages) for (const n of page) yield csvRecord(program, n, now);
}

// PDF letters --------------------------------------------------------------------------------------------------------

export const money = (cents: number, currency: string): string =>
  new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(cents / 100);

const A4 = { width: 595.28, height: 841.89 };
/** The personal link's QR code, points a side. */
const QR_SIZE = 96;
const MARGIN = 72;

/**
 * One letter on one page, in the program's locale. Every block is drawn in a box of fixed height with an ellipsis,
 * so no name, address or
 * message, however long, flows onto a second page.
 */
function drawLetter(doc: PDFKit.PDFDocument, program: ClosingProgram, n: Notice, now: number): void {
  const c = program.closing;
  const width = A4.width - 2 * MARGIN;
  const box = (text: string, y: number, height: number, size = 11, font = BODY) => {
    doc.font(font).fontSize(size).text(text, MARGIN, y, { width, height, ellipsis: true });
  };
  const m = messages(localeOf(program));
  const money = (cents: number) => m.money(cents, program.currency);
  const lastDay = m.day(c.burnDeadline - 1);
  const previous = doc.page as PDFKit.PDFPage | undefined;
  doc.addPage({ size: 'A4', margin: MARGIN });
  if (previous) releaseWritten(previous);
  doc.font(BOLD).fontSize(14).text(program.name, MARGIN, MARGIN, { width, height: 20, ellipsis: true, align: 'right' });
  doc
    .font(BODY)
    .fontSize(10)
    .text(m.day(now), MARGIN, MARGIN + 22, { width, height: 14, align: 'right' });

  const address = [n.name, ...(n.postalAddress ?? '').split(/\s*[\n,]\s*/).filter((l) => l !== '')];
  doc
    .font(BODY)
    .fontSize(11)
    .text(address.join('\n'), MARGIN, 150, { width: width - QR_SIZE - 20, height: 110, ellipsis: true });
  if (n.link !== null) drawQr(doc, n.link, A4.width - MARGIN - QR_SIZE, 140, QR_SIZE);

  box(m.t('letter.closing.heading', { program: program.name, lastDay }), 290, 36, 13, BOLD);
  const paragraphs = [
    m.t('letter.dear', { name: n.name }),
    deadlineMessage(program, now, m) ?? '',
    m.t('letter.closing.balance', { points: n.balance, value: money(n.valueCents) }),
    m.t('letter.closing.convert', { voucher: money(n.voucherCents), pct: c.conversionPct, lastDay }),
  ];
  if (c.termsVersion !== undefined) {
    const answer = n.termsAnswer ?? (n.link !== null ? 'unansweredLink' : 'unanswered');
    paragraphs.push(m.t('letter.closing.terms', { version: c.termsVersion, answer }));
  }
  paragraphs.push(m.t('letter.closing.end'));
  if (n.link !== null) paragraphs.push(m.t('letter.page', { link: n.link }));
  paragraphs.push(m.t('letter.bringLetter', { ref: n.ref }));
  box(paragraphs.join('\n\n'), 340, 380);
  box(m.t('letter.footer', { ref: n.ref, member: n.memberId }), A4.height - MARGIN - 24, 24, 8);
}

// Runs ---------------------------------------------------------------------------------------------------------------

export interface IssueOptions {
  format: NoticeFormat;
  /** The file written; it appears (complete) only at the end of the run. */
  out: string;
  /** Only members not yet told of this program version. */
  skipTold?: boolean | undefined;
  pageSize?: number | undefined;
  /** The portal's base URL for the personal links (default $LEDGER_PORTAL_URL; none: references only). */
  portalUrl?: string | null | undefined;
  /** Called after each page written. */
  onProgress?: ((p: NoticeProgress) => void) | undefined;
  /** Called with the row count of every page query (tests check the paging). */
  onPage?: ((rows: number) => void) | undefined;
}

export interface IssueResult {
  runId: string;
  programVersion: number;
  /** Notices written to the file. */
  members: number;
  /** Members whose first notice for this version this run is. */
  recorded: number;
  /** Members in the file who had been told already (their first notice is kept). */
  alreadyTold: number;
  points: number;
}

/**
 * Writes the notices of every member who must be told (or only those not yet told) to `out`, and records them. The
 * file is written under a temporary name beside `out` (mode 600: it holds addresses) and renamed at the end.
 */
export async function issueNotices(
  store: LedgerStore,
  options: IssueOptions,
  now: number = Date.now(),
): Promise<IssueResult> {
  const program = await closingProgram(store);
  const runId = uuidv7();
  const result: IssueResult = {
    runId,
    programVersion: program.version,
    members: 0,
    recorded: 0,
    alreadyTold: 0,
    points: 0,
  };
  const tmp = `${options.out}.partial-${runId}`;
  const file = createWriteStream(tmp, { mode: 0o600 });
  const progress = (members: number) => options.onProgress?.({ members, bytes: file.bytesWritten });

  async function* recorded(): AsyncGenerator<Notice[]> {
    for await (const page of memberPages(store, program, {
      pageSize: options.pageSize,
      notTold: options.skipTold,
      onPage: options.onPage,
      portalUrl: options.portalUrl,
      now,
    })) {
      const fresh = await store.notices.recordPending(
        page.map((n) => n.memberId),
        program.version,
        options.format,
        runId,
        now,
      );
      result.recorded += fresh;
      result.alreadyTold += page.length - fresh;
      yield page;
      result.members += page.length;
      for (const n of page) result.points += Math.max(0, n.balance);
    }
  }

  try {
    if (options.format === 'csv') {
      async function* withProgress(): AsyncGenerator<string[]> {
        let last = 0;
        for await (const record of csvRecords(program, recorded(), now)) {
          yield record;
          if (result.members !== last) {
            last = result.members;
            progress(result.members);
          }
        }
      }
      await pipeline(Readable.from(withProgress()), stringify({ header: true, columns: [...CSV_COLUMNS] }), file);
    } else {
      await writeLetters(
        {
          Title: messages(localeOf(program)).t('letter.closing.title', { program: program.name }),
          Author: program.name,
        },
        recorded(),
        file,
        (doc, n) => drawLetter(doc, program, n, now),
        progress,
      );
    }
    const handle = await open(tmp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, options.out);
  } catch (err) {
    file.destroy();
    await rm(tmp, { force: true });
    await store.notices.abandonRun(runId).catch(() => undefined);
    throw err;
  }
  await store.notices.completeRun(runId);
  progress(result.members);
  return result;
}

/**
 * The members who must be told and have no issued notice for the newest program version, as CSV into `sink`.
 * Records nothing. Answers how many were listed.
 */
export async function listNotTold(
  store: LedgerStore,
  sink: Writable,
  options: { pageSize?: number | undefined; end?: boolean | undefined; now?: number | undefined } = {},
): Promise<number> {
  const program = await closingProgram(store);
  const now = options.now ?? Date.now();
  let count = 0;
  async function* counted(): AsyncGenerator<Notice[]> {
    for await (const page of memberPages(store, program, { pageSize: options.pageSize, notTold: true })) {
      count += page.length;
      yield page;
    }
  }
  await pipeline(
    Readable.from(csvRecords(program, counted(), now)),
    stringify({ header: true, columns: [...CSV_COLUMNS] }),
    sink,
    { end: options.end ?? true },
  );
  return count;
}

/** Notices issued (not pending) for a program version. */
export function countIssued(store: LedgerStore, version: number): Promise<number> {
  return store.notices.countIssued(version);
}
