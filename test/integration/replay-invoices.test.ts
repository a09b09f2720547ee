/**
 * The closing of a program, replayed on a real retailer's year: the 18,532 invoices of ../shared/datasets (4,338
 * customers, Dec 2010 to Dec 2011) are earned in date order at three tills of two stores through a real ledger
 * process, a closing is announced as program version 2, members answer the new terms (one in ten of them on the
 * members' page, through the portal and the ledger's HTTP, some converting there), a burn rush empties what it can,
 * and head office converts the rest into vouchers. Every step is audited against the op totals, and the closing's
 * status (answers by channel) and the vouchers owed reconcile with what the members did.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditChain } from '../../sync/ledger/audit.ts';
import { runConversion, runExpiry } from '../../sync/ledger/cli/transition.ts';
import { closingStatus } from '../../sync/ledger/reports/closing-status.ts';
import { buildLiabilityReport } from '../../sync/ledger/reports/liability.ts';
import { countIssued, issueNotices } from '../../sync/ledger/reports/notices.ts';
import { openStore } from '../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';
import { withLuhn } from '../../sync/loyalty/card.ts';
import { rewardsAt } from '../../sync/loyalty/closing.ts';
import type { Op } from '../../sync/loyalty/ops.ts';
import type { Program } from '../../sync/loyalty/program.ts';
import { centsFromDecimal, type Card, type MemberId, type OpId, type Points } from '../../sync/loyalty/units.ts';
import type { PushResponse } from '../../sync/protocol/messages.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { answerOnPage, openPage, startPageChannel } from '../support/page-members.ts';
import { connectTill, request, type RawSocket } from '../support/raw-till.ts';
import { seedLedger, type Seeded, type TillCredentials } from '../support/seed.ts';

// A copy of ../shared/datasets/online-retail-invoices.csv (see test/fixtures/README.md), so any clone runs it.
const DATASET = resolve(import.meta.dirname, '../fixtures/online-retail-invoices.csv');

interface Invoice {
  InvoiceNo: string;
  InvoiceDate: string;
  CustomerID: string;
  TotalPrice: string;
}

const noon = (date: string): number => Date.parse(`${date}T12:00:00Z`);
const EARN_UNTIL = Date.UTC(2011, 11, 10); // earning stops after 9 December 2011, the last invoice's day
const BURN_DEADLINE = Date.UTC(2012, 1, 1); // points can be used until 31 January 2012
const RUSH_DAY = Date.UTC(2011, 11, 20, 10);
const CONVERSION_DAY = Date.UTC(2012, 0, 25);
const PAGE_DAY = Date.UTC(2012, 0, 10, 12); // members answer on the page after the rush, before head office converts
const PAGE_SHARE = 0.1;

/** A fixed-seed generator (mulberry32), so the same members answer on the page every run. */
function fixedSeed(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A till speaking the protocol directly, numbering its own ops. */
class ReplayTill {
  seq = 0;
  constructor(
    readonly creds: TillCredentials,
    readonly socket: RawSocket,
  ) {}

  op<T extends object>(memberId: MemberId, at: number, programVersion: number, body: T) {
    return {
      opId: uuidv7() as OpId,
      tillId: this.creds.tillId,
      storeId: this.creds.storeId,
      seq: ++this.seq,
      memberId,
      at,
      programVersion,
      ...body,
    } as unknown as Op;
  }

  /** Pushes ops in batches of 500, one in flight, and answers every outcome in order. */
  async push(ops: Op[]): Promise<PushResponse & { ok: true }> {
    const results: (PushResponse & { ok: true })['results'] = [];
    let last: (PushResponse & { ok: true }) | undefined;
    for (let i = 0; i < ops.length; i += 500) {
      const res = (await request(
        this.socket,
        'push',
        { ops: ops.slice(i, i + 500), sentAt: Date.now() },
        60_000,
      )) as PushResponse;
      if (!res.ok) throw new Error(`push refused: ${res.error.code}`);
      results.push(...res.results);
      last = res;
    }
    if (!last) throw new Error('nothing pushed');
    return { ...last, results };
  }
}

describe.each(backends)('replaying a year of real invoices through a closing (%s)', (backend) => {
  let db: TestDatabase;
  let ledger: LedgerProcess;
  let store: LedgerStore;
  let seeded: Seeded;
  let tills: ReplayTill[];
  const members = new Map<string, MemberId>();
  const invoices = parse<Invoice>(readFileSync(DATASET), { columns: true })
    .map((r, i) => ({ ...r, i }))
    // Date order, and file order within a day (invoice numbers rise through the day).
    .sort((a, b) => a.InvoiceDate.localeCompare(b.InvoiceDate) || a.i - b.i);

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, {
      members: 0,
      now: noon('2010-12-01'),
      // Points expire at the end of the month 12 months after they were earned.
      tweakProgram: (p) => ({ ...p, expiry: { kind: 'endOfMonthAfterMonths', months: 12 } }),
    });
    ledger = await startLedgerProcess(db);
    tills = await Promise.all(seeded.tills.map(async (t) => new ReplayTill(t, await connectTill(ledger.url, t))));
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
  }, 120_000);

  afterAll(async () => {
    for (const t of tills ?? []) t.socket.disconnect();
    await store?.close();
    await ledger?.stop();
    await db?.drop();
  });

  async function audit(): Promise<{ balances: number; deltas: number }> {
    const t = await store.totals();
    expect(t.balances).toBe(t.opening + t.deltas);
    const lotsHeld = await store
      .kysely()
      .selectFrom('lots')
      .select((eb) => eb.fn.sum<number>('points').as('p'))
      .executeTakeFirstOrThrow();
    const positive = await store
      .kysely()
      .selectFrom('members')
      .select((eb) => eb.fn.sum<number>('balance').as('p'))
      .where('balance', '>', 0 as Points)
      .executeTakeFirstOrThrow();
    expect(Number(lotsHeld.p ?? 0)).toBeLessThanOrEqual(Number(positive.p ?? 0));
    expect((await verifyAuditChain(store)).problem).toBeNull();
    return t;
  }

  /** Sum of applied deltas by op kind, from the ledger's own rows. */
  async function deltasByKind(): Promise<Record<string, number>> {
    const rows = await store
      .kysely()
      .selectFrom('ops')
      .select(['kind', (eb) => eb.fn.sum<number>('delta').as('sum')])
      .where('delta', 'is not', null)
      .groupBy('kind')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.kind, Number(r.sum)]));
  }

  it('enrols every customer and earns every invoice exactly once, in date order, at three tills', async () => {
    const [first] = tills;
    if (!first) throw new Error('no till');
    const enrols: Op[] = [];
    for (const inv of invoices) {
      if (members.has(inv.CustomerID)) continue;
      const id = uuidv7() as MemberId;
      members.set(inv.CustomerID, id);
      enrols.push(
        first.op(id, noon(inv.InvoiceDate), 1, {
          kind: 'enrol',
          card: withLuhn(`6280${inv.CustomerID.padStart(11, '0')}`) as Card,
          name: `Customer ${inv.CustomerID}`,
        }),
      );
    }
    expect(members.size).toBe(4_338);
    const enrolled = await first.push(enrols);
    expect(enrolled.results.every((r) => r.outcome.status === 'applied')).toBe(true);

    // Each till takes the invoices of its number; the three push concurrently, a day's worth at a time.
    const days = [...new Set(invoices.map((i) => i.InvoiceDate))];
    let earned = 0;
    for (let d = 0; d < days.length; d += 20) {
      const window = new Set(days.slice(d, d + 20));
      const batch = invoices.filter((i) => window.has(i.InvoiceDate));
      await Promise.all(
        tills.map(async (till, t) => {
          const ops = batch
            .filter((inv) => Number(inv.InvoiceNo) % tills.length === t)
            .map((inv) =>
              till.op(members.get(inv.CustomerID) ?? ('' as MemberId), noon(inv.InvoiceDate), 1, {
                kind: 'earn',
                lines: [{ amountCents: centsFromDecimal(Number(inv.TotalPrice)), category: 'general' }],
                quotedPoints: 0,
                receiptRef: inv.InvoiceNo,
              }),
            );
          if (ops.length === 0) return;
          const res = await till.push(ops);
          expect(res.results.map((r) => r.outcome.status)).toEqual(ops.map(() => 'applied'));
          earned += ops.length;
        }),
      );
    }
    expect(earned).toBe(18_532);
    const byKind = await deltasByKind();
    const t = await audit();
    expect(t.deltas).toBe(byKind['earn']);
    // Every earn of points made a lot (the program expires points), and the lots hold exactly what was earned.
    const lots = await store
      .kysely()
      .selectFrom('lots')
      .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('points').as('p')])
      .executeTakeFirstOrThrow();
    const paying = await store
      .kysely()
      .selectFrom('ops')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'earn')
      .where('delta', '>', 0 as Points)
      .executeTakeFirstOrThrow();
    // Invoices under £1 earn nothing and make no lot.
    expect(Number(lots.n)).toBe(Number(paying.n));
    expect(Number(paying.n)).toBeGreaterThan(18_500);

    // The liability for the year reconciles to the op totals exactly: everything issued, nothing else moved yet.
    const year = await buildLiabilityReport(store, { from: Date.UTC(2010, 11, 1), to: EARN_UNTIL });
    expect(year.reconciled).toBe(true);
    expect(year.report.points).toEqual({
      opening: 0,
      issued: byKind['earn'],
      redeemed: 0,
      expired: 0,
      converted: 0,
      adjusted: 0,
      closing: t.balances,
    });
    // Movements are dated by the sale, not by when the ledger heard of it: December 2010 is its own month.
    expect(year.byMonth[0]?.month).toBe('2010-12');
    expect(year.byMonth[0]?.totals.issued).toBeGreaterThan(0);
    expect(Number(lots.p)).toBe(byKind['earn']);
    // No voucher yet: none owed, and the (empty) vouchers table agrees.
    expect(year.vouchers).toEqual({ byCurrency: [], table: [], reconciled: true });
  }, 300_000);

  it('expires the points earned in December 2010 at the end of December 2011, once', async () => {
    const before = await deltasByKind();
    const run = await runExpiry(store, Date.UTC(2012, 0, 1));
    const december2010 = await store
      .kysely()
      .selectFrom('lots')
      .select((eb) => eb.fn.sum<number>('original').as('p'))
      .where('expires_at', '<=', Date.UTC(2012, 0, 1))
      .executeTakeFirstOrThrow();
    expect(run.points).toBe(Number(december2010.p));
    expect(run.points).toBeGreaterThan(0);
    expect((await runExpiry(store, Date.UTC(2012, 0, 1))).points).toBe(0);
    const after = await deltasByKind();
    expect(after['expire']).toBe(-run.points);
    expect(after['earn']).toBe(before['earn']);
    await audit();
  }, 120_000);

  it('announces a closing, records terms answers, absorbs a burn rush and converts the rest into vouchers', async () => {
    const v1 = await store.latestProgram();
    if (!v1) throw new Error('no program');
    const v2: Program = {
      ...v1,
      version: 2,
      closing: {
        earnUntil: EARN_UNTIL,
        burnDeadline: BURN_DEADLINE,
        burnWindow: {
          startsAt: Date.UTC(2011, 11, 12),
          endsAt: BURN_DEADLINE,
          rewards: [
            { id: 'mini-treat', name: 'Mini treat', points: 40, kind: 'small' },
            { id: 'farewell-mug', name: 'Farewell mug', points: 300, kind: 'promo' },
          ],
        },
        termsVersion: 'new-programme-2012',
        conversionPct: 125,
        conversionFrom: EARN_UNTIL,
        voucherValidDays: 180,
      },
    };
    await store.putProgram(v2);
    const ids = [...members.values()];

    // Every member the closing concerns (all of them: it has terms to answer) is told, by name, in one run; a second
    // run finds no one left.
    // The CSV carries each member's personal link to the members' page (its path: the portal below has its own port).
    const noticeDir = await mkdtemp(join(tmpdir(), 'notices-'));
    const links = new Map<string, string>();
    try {
      const withPoints = (await store.listMembers()).filter(
        (m) => m.balance > 0 || v2.closing?.termsVersion !== undefined,
      ).length;
      const csv = join(noticeDir, 'notices.csv');
      const issued = await issueNotices(store, { format: 'csv', out: csv, portalUrl: 'https://points.example.com' });
      expect(issued.members).toBe(withPoints);
      for (const row of parse<Record<string, string>>(await readFile(csv, 'utf8'), { columns: true }))
        links.set(row['member_id'] ?? '', new URL(row['link'] ?? '').pathname);
      expect(await countIssued(store, 2)).toBe(withPoints);
      const again = await issueNotices(store, { format: 'csv', out: join(noticeDir, 'again.csv'), skipTold: true });
      expect(again.members).toBe(0);
    } finally {
      await rm(noticeDir, { recursive: true, force: true });
    }

    // An earn after the closing date is refused, whatever program the till names.
    const [a1, a2, b1] = tills;
    if (!a1 || !a2 || !b1) throw new Error('tills');
    const late = await a1.push([
      a1.op(ids[0] ?? ('' as MemberId), EARN_UNTIL + 3_600_000, 1, {
        kind: 'earn',
        lines: [{ amountCents: 1_000, category: 'general' }],
        quotedPoints: 0,
      }),
    ]);
    expect(late.results[0]?.outcome).toEqual({ status: 'rejected', code: 'EARN_CLOSED' });

    // One member in ten refuses the new terms; the others accept. One in ten (drawn with a fixed seed) answers on the
    // members' page, below; the others at a till.
    const refusing = new Set(ids.filter((_, i) => i % 10 === 3));
    const random = fixedSeed(2011);
    const onPage = new Set(ids.filter(() => random() < PAGE_SHARE));
    const atTill = ids.filter((id) => !onPage.has(id));
    const answers = atTill.map((id) =>
      b1.op(id, RUSH_DAY - 86_400_000, 2, {
        kind: 'terms',
        termsVersion: 'new-programme-2012',
        answer: refusing.has(id) ? 'refused' : 'accepted',
      }),
    );
    const answered = await b1.push(answers);
    expect(answered.results.every((r) => r.outcome.status === 'applied')).toBe(true);

    // The rush: every member who can takes the dearest reward they afford, at whichever till, all at once.
    const rewards = rewardsAt(v2, RUSH_DAY).sort((a, b) => b.points - a.points);
    const balances = new Map((await store.listMembers()).map((m) => [m.memberId, m.balance]));
    const burns: Op[][] = [[], [], []];
    let burnt = 0;
    ids.forEach((id, i) => {
      const reward = rewards.find((r) => r.points <= (balances.get(id) ?? 0));
      if (!reward) return;
      const till = tills[i % 3];
      if (!till) return;
      burnt += reward.points;
      burns[i % 3]?.push(
        till.op(id, RUSH_DAY, 2, {
          kind: 'burn',
          what: { type: 'reward', rewardId: reward.id },
          points: reward.points,
          onOverdraw: 'reject',
        }),
      );
    });
    const rush = await Promise.all(tills.map((t, i) => t.push(burns[i] ?? [])));
    for (const r of rush) expect(r.results.every((x) => x.outcome.status === 'applied')).toBe(true);
    expect((await deltasByKind())['burn']).toBe(-burnt);
    await audit();

    // The members on the page open their link, answer, and (every other one who accepted and still holds points)
    // convert there: the portal asks the ledger over HTTP with its own credentials, as deployed. The replay's ledger
    // process steps aside (one server per SQLite database) for a ledger server on the replay's calendar.
    await ledger.stop();
    const page = await startPageChannel(store, () => PAGE_DAY);
    const pageDid = { accepted: 0, refused: 0, converted: 0, points: 0, faceCents: 0 };
    try {
      const held = new Map((await store.listMembers()).map((m) => [m.memberId, m.balance]));
      const visitors = [...onPage];
      for (let i = 0; i < visitors.length; i += 100)
        await Promise.all(
          visitors.slice(i, i + 100).map(async (id, j) => {
            const opened = await openPage(`${page.portal.url}${links.get(id) ?? '/m/none'}`);
            expect(opened.status).toBe(200);
            const answer = refusing.has(id) ? 'refused' : 'accepted';
            expect(await answerOnPage(opened, 'terms', answer)).toMatch(new RegExp(`\\?done=${answer}$`));
            pageDid[answer]++;
            const points = held.get(id) ?? 0;
            if (answer === 'refused' || points <= 0 || (i + j) % 2 === 1) return;
            // The page opened before the answer offers the conversion too; the page after it shows the voucher.
            const converted = await answerOnPage(opened, 'convert');
            expect(converted).toMatch(/\?done=converted$/);
            if (pageDid.converted % 10 === 0)
              expect((await openPage(converted, opened.cookie)).html).toContain('Your gift vouchers');
            pageDid.converted++;
            pageDid.points += points;
            pageDid.faceCents += Math.floor((points * 125) / 100);
          }),
        );
    } finally {
      await page.close();
    }
    expect(pageDid.accepted + pageDid.refused).toBe(onPage.size);
    expect(pageDid.refused).toBeGreaterThan(0);
    expect(pageDid.converted).toBeGreaterThan(0);
    await audit();

    // Head office converts every remaining balance, except the members who refused the terms.
    const remaining = (await store.listMembers()).filter((m) => m.balance > 0);
    const run = await runConversion(store, undefined, CONVERSION_DAY);
    const expectedConverted = remaining.filter((m) => !refusing.has(m.memberId));
    expect(run.converted).toBe(expectedConverted.length);
    expect(run.points).toBe(expectedConverted.reduce((s, m) => s + m.balance, 0));
    expect(run.refused).toBe(remaining.filter((m) => refusing.has(m.memberId)).length);
    // Every voucher is worth 125% of the points as tender (100 points = £1), rounded down to the penny.
    for (const v of run.vouchers) expect(v.valueCents).toBe(Math.floor((v.points * 125) / 100));
    const vouchers = await store.kysely().selectFrom('vouchers').select('code').execute();
    expect(new Set(vouchers.map((v) => v.code)).size).toBe(run.converted + pageDid.converted);
    const after = await store.listMembers();
    expect(after.filter((m) => m.balance > 0).every((m) => refusing.has(m.memberId))).toBe(true);
    const convertedPoints = run.points + pageDid.points;
    expect((await deltasByKind())['convert']).toBe(-convertedPoints);
    const totals = await audit();

    // Head office's progress (`ledger closing status`): every answer and conversion by channel, where the test gave it.
    const tillRefused = atTill.filter((id) => refusing.has(id)).length;
    const none = { answered: 0, accepted: 0, refused: 0, converted: 0, redeemed: 0 };
    const status = await closingStatus(store);
    expect(status).toMatchObject({ programVersion: 2, toldByPost: ids.length });
    expect(status.rows).toEqual([
      {
        ...none,
        day: '2011-12-19',
        channel: 'till',
        store: 'store-b',
        answered: atTill.length,
        accepted: atTill.length - tillRefused,
        refused: tillRefused,
      },
      {
        ...none,
        day: '2012-01-10',
        channel: 'page',
        store: 'portal',
        answered: onPage.size,
        accepted: pageDid.accepted,
        refused: pageDid.refused,
        converted: pageDid.converted,
      },
      { ...none, day: '2012-01-25', channel: 'head-office', store: 'head-office', converted: run.converted },
    ]);

    // The whole story in one report: opening + issued − redeemed − expired − converted = Σ balances, to the point,
    // and after the burn deadline the whole remaining provision is released.
    const kinds = await deltasByKind();
    const all = await buildLiabilityReport(store, { from: Date.UTC(2010, 11, 1), to: BURN_DEADLINE + 86_400_000 });
    expect(all.reconciled).toBe(true);
    expect(all.report.points).toEqual({
      opening: 0,
      issued: kinds['earn'],
      redeemed: -(kinds['burn'] ?? 0),
      expired: -(kinds['expire'] ?? 0),
      converted: convertedPoints,
      adjusted: 0,
      closing: totals.balances,
    });
    expect(all.report.closed).toBe(true);
    expect(all.report.provision.closing).toBe(0);

    // The points left the provision as vouchers, now owed at face value: every voucher issued on the page or on the
    // conversion day, none redeemed or expired yet, all due in July 2012 (valid 180 days); the premium over the
    // points' tender value (1p a point) is what the closing cost, and the report reconciles with the vouchers table.
    const figures = { count: run.converted + pageDid.converted, faceCents: run.valueCents + pageDid.faceCents };
    const zero = { count: 0, faceCents: 0 };
    expect(all.vouchers.reconciled).toBe(true);
    expect(all.vouchers.table).toEqual([{ currency: 'GBP', ...figures }]);
    const [owed] = all.vouchers.byCurrency;
    expect(owed?.closing).toEqual({ issued: figures, redeemed: zero, expired: zero, outstanding: figures });
    expect(owed?.premium.total).toEqual({
      points: convertedPoints,
      pointsValueCents: convertedPoints,
      premiumCents: figures.faceCents - convertedPoints,
    });
    expect(owed?.premium.total.premiumCents).toBeGreaterThan(convertedPoints / 5); // 25%, less the rounding down
    expect(owed?.outstandingByExpiry).toEqual([{ month: '2012-07', ...figures }]);
    // After the vouchers' validity, every one never redeemed is breakage and nothing is outstanding.
    const august = await buildLiabilityReport(store, { from: Date.UTC(2012, 6, 1), to: Date.UTC(2012, 7, 1) });
    expect(august.vouchers.reconciled).toBe(true);
    expect(august.vouchers.byCurrency[0]?.period).toEqual({ issued: zero, redeemed: zero, expired: figures });
    expect(august.vouchers.byCurrency[0]?.closing.outstanding).toEqual(zero);
  }, 300_000);
});
