/**
 * Expiry letters: every member holding points that expire before a date, told how many and by when, as a CSV for
 * mail merge or as printable PDF letters, one page per member (`ledger notices --expiring-before DATE`). Members are
 * read by keyset pages over member_id and written as they come, so memory stays bounded by one page. Nothing is
 * recorded: the daily job's `points-expiring` events are what the program remembers telling; these letters are a
 * listing head office may send as often as it likes. The file is written under a temporary name (mode 600: it holds
 * addresses) and renamed into place once complete.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { tenderValue } from '../../loyalty/burn.ts';
import { dayLabelUtc } from '../../loyalty/calendar.ts';
import { localeOf } from '../../loyalty/i18n/locale.ts';
import { messages } from '../../loyalty/i18n/messages.ts';
import type { Program } from '../../loyalty/program.ts';
import { CodedError } from '../../protocol/errors.ts';
import type { ExpiringMemberRow } from '../store/interfaces/notices.ts';
import type { LedgerStore } from '../store/types.ts';
import { NOTICE_PAGE_SIZE, safeText, type NoticeFormat } from './notices.ts';
import { releaseWritten, writeLetters } from './letter-pdf.ts';

const EXPIRY_CSV_COLUMNS = [
  'member_id',
  'name',
  'postal_address',
  'email',
  'expiring_points',
  'value_cents',
  'currency',
  'first_last_day',
  'expiring_before_utc',
  'balance_points',
  'message',
] as const;

export interface ExpiryNoticeOptions {
  format: NoticeFormat;
  out: string;
  /** Lots expiring at or before this instant (exclusive expiry: their last usable day is before it). */
  before: number;
  pageSize?: number | undefined;
  onProgress?: ((members: number) => void) | undefined;
}

export interface ExpiryNoticeResult {
  members: number;
  points: number;
}

/** What one letter says, in a sentence, in the program's locale. */
export function expiryMessage(program: Program, row: ExpiringMemberRow): string {
  const m = messages(localeOf(program));
  return m.t('letter.expiry.message', {
    points: row.points,
    program: program.name,
    day: m.day(row.firstExpiresAt - 1),
  });
}

async function* pages(store: LedgerStore, now: number, before: number, pageSize: number) {
  let after = '';
  for (;;) {
    const rows = await store.notices.membersWithPointsExpiring(after, pageSize, now, before);
    if (rows.length === 0) return;
    after = rows.at(-1)?.memberId ?? after;
    yield rows;
    if (rows.length < pageSize) return;
  }
}

function csvRecord(program: Program, r: ExpiringMemberRow, before: number): string[] {
  return [
    r.memberId,
    safeText(r.name),
    safeText(r.postalAddress),
    safeText(r.email),
    String(r.points),
    String(tenderValue(program, r.points)),
    program.currency,
    dayLabelUtc(r.firstExpiresAt - 1),
    new Date(before).toISOString(),
    String(r.balance),
    expiryMessage(program, r),
  ];
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 72;

/** One letter on one page, in the program's locale. */
function drawLetter(doc: PDFKit.PDFDocument, program: Program, r: ExpiringMemberRow, now: number): void {
  const m = messages(localeOf(program));
  const width = A4.width - 2 * MARGIN;
  const box = (text: string, y: number, height: number, size = 11, font = 'body') => {
    doc.font(font).fontSize(size).text(text, MARGIN, y, { width, height, ellipsis: true });
  };
  const previous = doc.page as PDFKit.PDFPage | undefined;
  doc.addPage({ size: 'A4', margin: MARGIN });
  if (previous) releaseWritten(previous);
  doc
    .font('bold')
    .fontSize(14)
    .text(program.name, MARGIN, MARGIN, { width, height: 20, ellipsis: true, align: 'right' });
  doc
    .font('body')
    .fontSize(10)
    .text(m.day(now), MARGIN, MARGIN + 22, { width, height: 14, align: 'right' });
  const address = [r.name, ...(r.postalAddress ?? '').split(/\s*[\n,]\s*/).filter((l) => l !== '')];
  box(address.join('\n'), 150, 110);
  box(m.t('letter.expiry.heading', { day: m.day(r.firstExpiresAt - 1) }), 290, 36, 13, 'bold');
  box(
    [
      m.t('letter.dear', { name: r.name }),
      expiryMessage(program, r),
      m.t('letter.expiry.worth', {
        value: m.money(tenderValue(program, r.points), program.currency),
        balance: r.balance,
      }),
    ].join('\n\n'),
    340,
    360,
  );
  const reference = `${r.memberId}${r.email ? ` · ${r.email}` : ''}`;
  box(m.t('letter.reference', { reference }), A4.height - MARGIN - 24, 24, 8);
}

/** Writes the expiry letters or CSV of every member holding points that expire after `now` and by `before`. */
export async function issueExpiryNotices(
  store: LedgerStore,
  options: ExpiryNoticeOptions,
  now: number = Date.now(),
): Promise<ExpiryNoticeResult> {
  const latest = await store.latestProgram();
  if (!latest) throw new CodedError('BAD_ARGUMENT', 'no program yet, so no points expire.');
  const program: Program = latest;
  const result: ExpiryNoticeResult = { members: 0, points: 0 };
  const pageSize = options.pageSize ?? NOTICE_PAGE_SIZE;
  async function* counted(): AsyncGenerator<ExpiringMemberRow[]> {
    for await (const page of pages(store, now, options.before, pageSize)) {
      yield page;
      result.members += page.length;
      for (const r of page) result.points += r.points;
      options.onProgress?.(result.members);
    }
  }
  const tmp = `${options.out}.partial-${process.pid}-${now}`;
  const file = createWriteStream(tmp, { mode: 0o600 });
  try {
    if (options.format === 'csv') {
      async function* records(): AsyncGenerator<string[]> {
        for await (const page of counted()) for (const r of page) yield csvRecord(program, r, options.before);
      }
      await pipeline(Readable.from(records()), stringify({ header: true, columns: [...EXPIRY_CSV_COLUMNS] }), file);
    } else {
      await writeLetters(
        {
          Title: messages(localeOf(program)).t('letter.expiry.title', { program: program.name }),
          Author: program.name,
        },
        counted(),
        file,
        (doc, r) => drawLetter(doc, program, r, now),
      );
    }
    await rename(tmp, options.out);
  } catch (err) {
    file.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
  return result;
}
