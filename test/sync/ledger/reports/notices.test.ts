/**
 * Member notices from a real ledger: who is told and what the notice says, CSV and PDF (one page per member),
 * notices recorded once per member and program version, crash-safe recording, and keyset paging that streams.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import PDFDocument from 'pdfkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fontFile, forgetWordLayouts } from '../../../../sync/ledger/reports/letter-pdf.ts';
import {
  countIssued,
  issueNotices,
  listNotTold,
  memberPages,
  closingProgram,
} from '../../../../sync/ledger/reports/notices.ts';
import type { LedgerStore } from '../../../../sync/ledger/store/types.ts';
import type { MemberId } from '../../../../sync/loyalty/units.ts';
import { backends } from '../../../support/databases.ts';
import { importRow, memberId, program as plainProgram } from '../store/fixtures.ts';
import {
  DAY,
  freshStore,
  pageCount,
  pdfMappedText,
  reportProgram,
  T0,
  TestTill,
  type Fresh,
} from './ledger-builder.ts';

const readCsv = async (file: string): Promise<Record<string, string>[]> =>
  parse<Record<string, string>>(await readFile(file, 'utf8'), { columns: true });

async function notTold(store: LedgerStore): Promise<string[]> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await listNotTold(store, sink);
  const rows = parse<{ member_id: string }>(Buffer.concat(chunks).toString('utf8'), { columns: true });
  return rows.map((r) => r.member_id);
}

const noticeRows = (store: LedgerStore) =>
  store.kysely().selectFrom('notices').selectAll().orderBy('member_id').execute();

describe.each(backends)('member notices on %s', (backend) => {
  const clock = { now: T0 };
  let fresh: Fresh;
  let store: LedgerStore;
  let till: TestTill;

  /**
   * Members 1-6: 1 (1,000 points, accepted the terms), 2 (0 points), 3 (250, refused), 4 (overdrawn: −100),
   * 5 (40, a name that a spreadsheet would read as a formula), 6 (3,000, no address or e-mail).
   */
  beforeEach(async () => {
    clock.now = T0;
    fresh = await freshStore(backend, () => clock.now);
    store = fresh.store;
    await store.putProgram(reportProgram(1, { burnDeadline: Date.UTC(2025, 5, 1), earnUntil: Date.UTC(2025, 4, 1) }));
    await store.importMembers([
      importRow(1, 1_000),
      importRow(2, 0),
      importRow(3, 250),
      importRow(4, 0),
      { ...importRow(5, 40), name: '=HYPERLINK("x")' },
      { ...importRow(6, 3_000), email: null, postalAddress: null },
    ]);
    till = await TestTill.add(store);
    clock.now = T0 + DAY;
    await till.terms(memberId(1), 'accepted', clock.now);
    await till.terms(memberId(3), 'refused', clock.now);
    await till.burn(memberId(4), 100, clock.now);
  });
  afterEach(async () => {
    await fresh.dispose();
  });

  it('exports every member the terms concern (points or none), by name, with value, voucher, deadline, terms and letter reference, as CSV', async () => {
    const out = join(fresh.dataDir, 'notices.csv');
    const r = await issueNotices(store, { format: 'csv', out, portalUrl: null }, T0 + 2 * DAY);
    expect(r).toMatchObject({ members: 6, recorded: 6, alreadyTold: 0, points: 4_290, programVersion: 1 });
    const rows = await readCsv(out);
    expect(rows.map((x) => x['member_id'])).toEqual([1, 2, 3, 4, 5, 6].map(memberId));
    expect(rows[0]).toEqual({
      member_id: memberId(1),
      name: 'Member 1',
      postal_address: '1 High Street',
      email: 'm1@example.com',
      balance_points: '1000',
      value_cents: '500',
      voucher_cents: '600',
      currency: 'GBP',
      last_day: '31 May 2025',
      burn_deadline_utc: '2025-06-01T00:00:00.000Z',
      message: 'The programme is closing: points are earned until 30 April 2025. Use your points by 31 May 2025.',
      terms_version: 'terms-2',
      terms_answer: 'accepted',
      letter_ref: expect.stringMatching(/^L-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]$/) as string,
      link: '',
    });
    // A member at zero and an overdrawn one are told too: they must answer the terms; they have nothing to convert.
    expect(rows[1]).toMatchObject({ balance_points: '0', voucher_cents: '0', terms_answer: 'not answered' });
    expect(rows[3]).toMatchObject({ balance_points: '-100', value_cents: '0', voucher_cents: '0' });
    expect(rows[2]?.['terms_answer']).toBe('refused');
    expect(rows[4]?.['name']).toBe(`'=HYPERLINK("x")`);
    expect(rows[5]).toMatchObject({ postal_address: '', email: '', terms_answer: 'not answered' });
    expect(new Set(rows.map((x) => x['letter_ref'])).size).toBe(6);
    // Only the final file is left: no temporary file beside it.
    expect(await readdir(fresh.dataDir)).not.toContainEqual(expect.stringContaining('.partial-'));
  });

  it('writes a valid PDF with one letter page per member', async () => {
    const out = join(fresh.dataDir, 'letters.pdf');
    const r = await issueNotices(store, { format: 'pdf', out, pageSize: 3 }, T0 + 2 * DAY);
    expect(r.members).toBe(6);
    const pdf = await readFile(out);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toContain('%%EOF');
    expect(pageCount(pdf)).toBe(6);
    expect(pdf.toString('latin1')).toMatch(/\/Count 6\b/);
  });

  it('prints names and addresses in Polish, Czech, Greek and Cyrillic letters (an embedded Unicode font)', async () => {
    const name = 'Łukasz Żółć-Dvořák Ωμέγα Жанна';
    await store.importMembers([{ ...importRow(7, 10), name, postalAddress: 'ul. Świętokrzyska 5, Łódź' }]);
    const out = join(fresh.dataDir, 'unicode.pdf');
    await issueNotices(store, { format: 'pdf', out }, T0 + 2 * DAY);
    const pdf = await readFile(out);
    expect(pdf.toString('latin1')).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
    const printable = pdfMappedText(pdf);
    const missing = [...`${name}Świętokrzyska Łódź`].filter((ch) => ch !== ' ' && !printable.has(ch));
    expect(missing).toEqual([]);
  });

  it('keeps a long name or address on its one page', async () => {
    await store.importMembers([
      {
        ...importRow(7, 10),
        name: 'N'.repeat(200),
        postalAddress: Array(40).fill('A long line of address').join(', '),
      },
    ]);
    const out = join(fresh.dataDir, 'long.pdf');
    await issueNotices(store, { format: 'pdf', out }, T0 + 2 * DAY);
    expect(pageCount(await readFile(out))).toBe(7);
  });

  it('records the first notice of each member once; a rerun keeps it and --not-told shrinks', async () => {
    expect(await notTold(store)).toEqual([1, 2, 3, 4, 5, 6].map(memberId));
    const first = await issueNotices(store, { format: 'pdf', out: join(fresh.dataDir, 'a.pdf') }, T0 + 2 * DAY);
    const recorded = await noticeRows(store);
    expect(recorded).toHaveLength(6);
    expect(recorded.every((n) => n.run_id === first.runId && n.issued_at === T0 + 2 * DAY && n.channel === 'pdf')).toBe(
      true,
    );
    expect(await notTold(store)).toEqual([]);

    const again = await issueNotices(store, { format: 'csv', out: join(fresh.dataDir, 'b.csv') }, T0 + 3 * DAY);
    expect(again).toMatchObject({ members: 6, recorded: 0, alreadyTold: 6 });
    expect(await noticeRows(store)).toEqual(recorded);

    // A member who joins later must be told: listed, then told alone with --skip-told.
    clock.now = T0 + 4 * DAY;
    await store.importMembers([importRow(7, 0)]);
    expect(await notTold(store)).toEqual([memberId(7)]);
    const late = await issueNotices(
      store,
      { format: 'csv', out: join(fresh.dataDir, 'c.csv'), skipTold: true },
      T0 + 4 * DAY,
    );
    expect(late).toMatchObject({ members: 1, recorded: 1 });
    expect((await readCsv(join(fresh.dataDir, 'c.csv'))).map((x) => x['member_id'])).toEqual([memberId(7)]);
    expect(await notTold(store)).toEqual([]);
    expect(await countIssued(store, 1)).toBe(7);
  });

  it('asks a new program version to be told again', async () => {
    await issueNotices(store, { format: 'csv', out: join(fresh.dataDir, 'a.csv') });
    await store.putProgram(reportProgram(2, { burnDeadline: Date.UTC(2025, 6, 1), earnUntil: Date.UTC(2025, 4, 1) }));
    expect(await notTold(store)).toHaveLength(6);
  });

  it('records nothing and leaves no file when a run fails midway; a crashed run is taken over by the next', async () => {
    const out = join(fresh.dataDir, 'crash.pdf');
    await expect(
      issueNotices(store, {
        format: 'pdf',
        out,
        pageSize: 2,
        onProgress: ({ members }) => {
          if (members >= 2) throw new Error('power cut');
        },
      }),
    ).rejects.toThrow('power cut');
    expect(await readdir(fresh.dataDir)).not.toContainEqual(expect.stringMatching(/crash\.pdf/));
    expect(await noticeRows(store)).toEqual([]);

    // A process killed outright leaves its rows pending: they do not count as told, and the next run takes them.
    await store
      .kysely()
      .insertInto('notices')
      .values({ member_id: memberId(1), program_version: 1, issued_at: T0, channel: 'pdf', run_id: 'pending:dead' })
      .execute();
    expect(await notTold(store)).toContain(memberId(1));
    expect(await countIssued(store, 1)).toBe(0);
    const r = await issueNotices(store, { format: 'csv', out: join(fresh.dataDir, 'ok.csv') }, T0 + 5 * DAY);
    expect(r.recorded).toBe(6);
    const rows = await noticeRows(store);
    expect(rows.map((n) => [n.run_id, n.issued_at])).toEqual(Array(6).fill([r.runId, T0 + 5 * DAY]));
  });

  it('refuses without a closing, writing and recording nothing', async () => {
    await store.putProgram(plainProgram(2));
    const out = join(fresh.dataDir, 'none.csv');
    await expect(issueNotices(store, { format: 'csv', out })).rejects.toMatchObject({ code: 'NO_CLOSING' });
    await expect(closingProgram(store)).rejects.toThrow(/version 2 has no closing/);
    expect(await readdir(fresh.dataDir)).not.toContainEqual(expect.stringContaining('none.csv'));
    expect(await noticeRows(store)).toEqual([]);
  });
});

describe.each(backends)('member notices over 5,000 members on %s', (backend) => {
  let fresh: Fresh | undefined;
  afterEach(async () => {
    await fresh?.dispose();
  });

  it('reads members in keyset pages of 1,000 and writes each page before reading the next', async () => {
    fresh = await freshStore(backend, () => T0);
    const { store } = fresh;
    await store.putProgram(reportProgram(1));
    const rows = Array.from({ length: 5_000 }, (_, i) => importRow(i + 1, (i % 7) + 1));
    for (let i = 0; i < rows.length; i += 1_000) await store.importMembers(rows.slice(i, i + 1_000));
    const events: (readonly [string, number, number?])[] = [];
    const out = join(fresh.dataDir, 'big.csv');
    const r = await issueNotices(store, {
      format: 'csv',
      out,
      onPage: (n) => events.push(['page', n]),
      onProgress: (p) => events.push(['written', p.members, p.bytes]),
    });
    expect(r.members).toBe(5_000);
    const pages = events.filter((e) => e[0] === 'page').map((e) => e[1]);
    expect(pages).toEqual([1_000, 1_000, 1_000, 1_000, 1_000, 0]);
    // Before the last page was read, earlier pages had already reached the file.
    const lastPage = events.findLastIndex((e) => e[0] === 'page' && e[1] === 1_000);
    const before = events.slice(0, lastPage).filter((e) => e[0] === 'written');
    expect(before.length).toBeGreaterThan(0);
    expect(Math.max(...before.map((e) => e[2] ?? 0))).toBeGreaterThan(0);
    const csv = await readCsv(out);
    expect(csv).toHaveLength(5_000);
    expect(new Set(csv.map((x) => x['member_id'])).size).toBe(5_000);
    expect(await countIssued(store, 1)).toBe(5_000);
  });

  it('streams PDF letters to the file page by page instead of holding them until the end', async () => {
    fresh = await freshStore(backend, () => T0);
    const { store } = fresh;
    await store.putProgram(reportProgram(1));
    await store.importMembers(Array.from({ length: 1_200 }, (_, i) => importRow(i + 1, 100)));
    const written: { members: number; bytes: number }[] = [];
    const out = join(fresh.dataDir, 'big.pdf');
    await issueNotices(store, { format: 'pdf', out, pageSize: 400, onProgress: (p) => written.push(p) });
    // After the first page of 400 letters, hundreds of kilobytes are already in the file.
    expect(written[0]?.members).toBe(400);
    expect(written[0]?.bytes).toBeGreaterThan(100_000);
    expect(pageCount(await readFile(out))).toBe(1_200);
  });

  it('pages never exceed the page size asked for, and cover every member with points once (no terms)', async () => {
    fresh = await freshStore(backend, () => T0);
    const { store } = fresh;
    const noTerms = reportProgram(1);
    if (noTerms.closing) delete noTerms.closing.termsVersion;
    await store.putProgram(noTerms);
    await store.importMembers(Array.from({ length: 25 }, (_, i) => importRow(i + 1, i % 3)));
    const program = await closingProgram(store);
    const seen: MemberId[] = [];
    for await (const page of memberPages(store, program, { pageSize: 4 })) {
      expect(page.length).toBeLessThanOrEqual(4);
      seen.push(...page.map((n) => n.memberId));
    }
    const expected = Array.from({ length: 25 }, (_, i) => i + 1)
      .filter((i) => (i - 1) % 3 !== 0)
      .map(memberId);
    expect(seen).toEqual(expected);
  });
});

describe('the letters PDF', () => {
  it("empties pdfkit's per-word layout cache of its embedded fonts (else it grows with every letter)", () => {
    const doc = new PDFDocument({ autoFirstPage: false });
    doc.registerFont('body', fontFile('DejaVuSans.ttf'));
    doc.addPage().font('body').text('Zofia Łęcka, ul. Świętokrzyska 5');
    const cacheOf = () =>
      Object.values((doc as unknown as { _fontFamilies: Record<string, { layoutCache?: object }> })._fontFamilies)
        .map((f) => Object.keys(f.layoutCache ?? {}).length)
        .reduce((a, b) => a + b, 0);
    expect(cacheOf()).toBeGreaterThan(3);
    forgetWordLayouts(doc);
    expect(cacheOf()).toBe(0);
    doc.end();
  });
});
