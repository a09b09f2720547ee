/**
 * The transition on the ledger, through the real store on every backend: lots, expiry runs, the closing's
 * deadlines, terms, conversion into vouchers, head-office-only ops and the event feed they write.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { applyGroup } from '../../../sync/ledger/apply-group.ts';
import { runConversion, runExpiry } from '../../../sync/ledger/cli/transition.ts';
import { applyHeadOfficeOps, conversionDraft } from '../../../sync/ledger/head-office.ts';
import { runLifecycle } from '../../../sync/ledger/lifecycle-job.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import { checkVoucherCode, makeVoucherCode, voucherValue } from '../../../sync/loyalty/closing.ts';
import type { Op, OpOutcome } from '../../../sync/loyalty/ops.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import type { MemberId, Points } from '../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { OpMaker } from '../../support/ops.ts';
import { seedLedger, type Seeded } from '../../support/seed.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

describe.each(backends)('the transition on the ledger (%s)', (backend) => {
  let db: TestDatabase;
  let store: LedgerStore;
  let seeded: Seeded;
  let clock = T0;
  let till: OpMaker;
  let otherTill: OpMaker;

  beforeEach(async () => {
    db = await makeTestDatabase(backend);
    clock = T0;
    seeded = await seedLedger(db, {
      members: 3,
      now: T0,
      openingBalances: [0, 0, 0],
      // Points expire 3 months after the earn, at the end of that month.
      tweakProgram: (p) => ({ ...p, expiry: { kind: 'endOfMonthAfterMonths', months: 3 } }),
    });
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    const [a1, a2] = seeded.tills;
    if (!a1 || !a2) throw new Error('seed');
    till = new OpMaker(a1, 1, () => clock);
    otherTill = new OpMaker(a2, 1, () => clock);
  });

  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  const seededTill = () => {
    throw new Error('no till');
  };

  const member = (i: number): MemberId => {
    const m = seeded.members[i];
    if (!m) throw new Error(`no member ${i}`);
    return m.memberId;
  };

  /** Pushes one batch from a till as the intake would, and answers the outcomes. */
  async function push(ops: Op[], at = clock): Promise<OpOutcome[]> {
    const first = ops[0];
    if (!first) return [];
    const out = await store.transaction((tx) =>
      applyGroup(tx, [{ tillId: first.tillId, storeId: first.storeId, ops, sentAt: at, receivedAt: at }], {
        now: at,
        clockToleranceMs: () => 120_000,
      }),
    );
    return out.outcomes[0]?.results.map((r) => r.outcome) ?? [];
  }

  async function audit(): Promise<void> {
    const t = await store.totals();
    expect(t.balances).toBe(t.opening + t.deltas);
    // Lots never hold more than a positive balance.
    for (const m of await store.listMembers()) {
      const held = (await store.lotsOf(m.memberId)).reduce((s, l) => s + l.points, 0);
      expect(held).toBeLessThanOrEqual(Math.max(0, m.balance));
    }
  }

  it('keeps earned points in lots, burns the first to expire, restores them on a void, and expires the rest once', async () => {
    const m = member(0);
    const e1 = till.earn(m, 10_000); // £100: 100 points + 100 welcome
    clock = T0 + 40 * DAY;
    const e2 = till.earn(m, 30_000); // 300 points, expires a month later than e1
    expect(await push([e1, e2])).toEqual([
      { status: 'applied', delta: 200 },
      { status: 'applied', delta: 300 },
    ]);
    const lots = await store.lotsOf(m);
    expect(lots.map((l) => [l.lotId, l.points, new Date(l.expiresAt ?? 0).toISOString().slice(0, 10)])).toEqual([
      [e1.opId, 200, '2026-05-01'],
      [e2.opId, 300, '2026-06-01'],
    ]);

    const b = till.burn(m, 250);
    expect(await push([b])).toEqual([{ status: 'applied', delta: -250 }]);
    expect((await store.getOp(b.opId))?.draws).toEqual([
      { lotId: e1.opId, points: 200 },
      { lotId: e2.opId, points: 50 },
    ]);
    expect((await store.lotsOf(m)).map((l) => l.points)).toEqual([0, 250]);

    const v = till.void(b);
    expect(await push([v])).toEqual([{ status: 'applied', delta: 250 }]);
    expect((await store.lotsOf(m)).map((l) => l.points)).toEqual([200, 300]);

    // As of the end of 30 April nothing has expired yet; as of 1 May e1's lot has.
    expect((await runExpiry(store, Date.UTC(2026, 3, 30, 23))).points).toBe(0);
    const run = await runExpiry(store, Date.UTC(2026, 4, 1));
    expect(run).toMatchObject({ members: 1, points: 200 });
    expect((await store.getMember(m))?.balance).toBe(300);
    expect((await runExpiry(store, Date.UTC(2026, 4, 1))).points).toBe(0);
    const events = await store.listEvents(0, 100);
    expect(events.filter((e) => e.memberId === m).map((e) => e.type)).toEqual([
      'earned',
      'threshold-reached',
      'status-changed',
      'earned',
      'threshold-reached',
      'burned',
      'reversed',
      'threshold-reached',
      'points-expired',
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    await audit();
  });

  it('refuses expire and adjust ops from a till (head office only) and changes nothing', async () => {
    const m = member(1);
    const base = till.earn(m, 100);
    const expire = { ...base, kind: 'expire', asOf: clock } as unknown as Op;
    const adjust = { ...till.earn(m, 100), kind: 'adjust', points: 5_000, reason: 'me', by: 'me' } as unknown as Op;
    expect(await push([expire, adjust])).toEqual([
      { status: 'rejected', code: 'HEAD_OFFICE_ONLY' },
      { status: 'rejected', code: 'HEAD_OFFICE_ONLY' },
    ]);
    expect((await store.getMember(m))?.balance).toBe(0);
    const [r] = await applyHeadOfficeOps(
      store,
      [{ kind: 'adjust', memberId: m, points: 40 as Points, reason: 'goodwill', by: 'Head office' }],
      clock,
    );
    expect(r?.outcome).toEqual({ status: 'applied', delta: 40 });
    expect((await store.listEvents(0, 10)).map((e) => [e.type, e.data['by']])).toEqual([['adjusted', 'Head office']]);
    await audit();
  });

  it('the daily job moves quiet members to dormant then inactive, once, with their events', async () => {
    const m = member(0);
    await push([till.earn(m, 10_000)]);
    expect((await store.getMember(m))?.status).toBe('active');
    const month = (n: number) => Date.UTC(2026, n, 1);
    // Earned on 1 January: dormant from 1 July (6 months), inactive from the next 1 January (12).
    expect(await runLifecycle(store, month(6) - 1)).toMatchObject({ statusChanges: 0 });
    expect(await runLifecycle(store, month(6))).toMatchObject({ statusChanges: 1 });
    expect((await store.getMember(m))?.status).toBe('dormant');
    expect(await runLifecycle(store, month(7))).toMatchObject({ statusChanges: 0 });
    expect(await runLifecycle(store, month(12))).toMatchObject({ statusChanges: 1 });
    const events = (await store.listEvents(0, 100)).filter((e) => e.type === 'status-changed');
    expect(events.map((e) => e.data)).toEqual([
      { from: 'never-activated', to: 'active' },
      { from: 'active', to: 'dormant' },
      { from: 'dormant', to: 'inactive' },
    ]);
    // An earn makes the member active again; the balance written by the job was never touched.
    clock = month(14);
    await push([till.earn(m, 1_000)]);
    expect((await store.getMember(m))?.status).toBe('active');
    await audit();
  });

  it('tells a birthday once a year', async () => {
    const m = member(1);
    await store.kysely().updateTable('members').set({ birthday: '03-15' }).where('member_id', '=', m).execute();
    expect((await runLifecycle(store, Date.UTC(2026, 2, 15))).birthdays).toBe(0); // the 14th ends then
    expect((await runLifecycle(store, Date.UTC(2026, 2, 16))).birthdays).toBe(1);
    expect((await runLifecycle(store, Date.UTC(2026, 2, 16))).birthdays).toBe(0);
    expect((await store.listEvents(0, 10)).map((e) => [e.type, e.memberId])).toEqual([['birthday', m]]);
  });

  it('under a rolling tier policy, the daily job lowers a tier whose points left the window', async () => {
    const v1 = await store.latestProgram();
    if (!v1) throw new Error('no program');
    await store.putProgram({
      ...v1,
      version: 2,
      tierPolicy: { basis: 'points', windowMonths: 12, downgrade: { kind: 'immediate' } },
    });
    const m = member(2);
    const silver = new OpMaker(seeded.tills[0] ?? seededTill(), 2, () => clock);
    // Share the till's sequence: a fresh maker would reuse seq 1.
    const earn = { ...silver.earn(m, 250_000), seq: 1 };
    expect(await push([earn])).toEqual([{ status: 'applied', delta: 2_600 }]);
    expect((await store.getMember(m))?.tier).toBe('silver');
    expect((await runLifecycle(store, T0 + 200 * DAY)).tierChanges).toBe(0);
    expect((await runLifecycle(store, Date.UTC(2027, 0, 2))).tierChanges).toBe(1);
    expect((await store.getMember(m))?.tier).toBe('bronze');
    expect((await store.listEvents(0, 100)).filter((e) => e.type === 'tier-changed').map((e) => e.data)).toEqual([
      { from: 'silver', to: 'bronze', direction: 'down' },
    ]);
  });

  describe('with a closing pushed as program version 2', () => {
    const earnUntil = T0 + 10 * DAY;
    const burnDeadline = T0 + 20 * DAY;
    beforeEach(async () => {
      const v1 = await store.latestProgram();
      if (!v1) throw new Error('no program');
      const v2: Program = {
        ...v1,
        version: 2,
        closing: { earnUntil, burnDeadline, termsVersion: 'new-2026', conversionPct: 150, voucherValidDays: 90 },
      };
      await store.putProgram(v2);
    });

    it('refuses earns after earnUntil and burns after the deadline, even from a till still on version 1', async () => {
      const m = member(0);
      expect(await push([till.earn(m, 10_000)])).toEqual([{ status: 'applied', delta: 200 }]);
      clock = earnUntil;
      expect(await push([till.earn(m, 10_000), till.burn(m, 50)])).toEqual([
        { status: 'rejected', code: 'EARN_CLOSED' },
        { status: 'applied', delta: -50 },
      ]);
      clock = burnDeadline;
      expect(await push([till.burn(m, 50)])).toEqual([{ status: 'rejected', code: 'BURN_CLOSED' }]);
      expect((await store.getMember(m))?.balance).toBe(150);
      await audit();
    });

    it('records terms answers, converts at a till only the exact balance, and converts the rest in bulk except refusals', async () => {
      const [m0, m1, m2] = [member(0), member(1), member(2)];
      await push([till.earn(m0, 40_000), till.earn(m1, 20_000), till.earn(m2, 10_000)]);
      const terms = (m: MemberId, answer: 'accepted' | 'refused'): Op =>
        ({ ...till.earn(m, 1), kind: 'terms', termsVersion: 'new-2026', answer }) as unknown as Op;
      const answers = [terms(m0, 'accepted'), terms(m2, 'refused')];
      const wrongTerms = { ...terms(m0, 'accepted'), termsVersion: 'old' } as Op;
      expect(await push([...answers, wrongTerms])).toEqual([
        { status: 'applied', delta: 0 },
        { status: 'applied', delta: 0 },
        { status: 'rejected', code: 'UNKNOWN_TERMS' },
      ]);
      expect((await store.getMember(m2))?.terms).toMatchObject({ version: 'new-2026', answer: 'refused' });

      clock = earnUntil + DAY; // conversion opens when earning stops
      const program = await store.latestProgram();
      if (!program) throw new Error('no program');
      const convert = (m: MemberId, pts: number): Op =>
        ({
          ...otherTill.earn(m, 1),
          kind: 'convert',
          points: pts as Points,
          valueCents: voucherValue(program, pts),
          voucherCode: makeVoucherCode(crypto.getRandomValues(new Uint8Array(12))),
        }) as unknown as Op;
      const stale = convert(m0, 100);
      const good = convert(m0, 500);
      expect(await push([stale, good, convert(m2, 200)])).toEqual([
        { status: 'rejected', code: 'BALANCE_CHANGED' },
        { status: 'applied', delta: -500 },
        { status: 'rejected', code: 'TERMS_REFUSED' },
      ]);
      const code = (good as { voucherCode: string }).voucherCode;
      expect(await store.getVoucher(code)).toMatchObject({ memberId: m0, points: 500, valueCents: 750 });
      expect(checkVoucherCode(code).ok).toBe(true);
      const redeem = (by: string, ref: string) => store.redeemVoucher({ code, by, ref, redemptionId: null, at: clock });
      expect((await redeem('a1', 'R-1')).outcome).toBe('redeemed');
      expect((await redeem('a2', 'R-2')).outcome).toBe('redeemed-before');

      // A code already issued cannot be issued again.
      const dup = { ...convert(m1, 300), voucherCode: code } as Op;
      expect(await push([dup])).toEqual([{ status: 'rejected', code: 'VOUCHER_CODE_TAKEN' }]);

      const bulk = await runConversion(store, undefined, clock);
      expect(bulk).toMatchObject({ converted: 1, points: 300, valueCents: 450, refused: 1 });
      expect((await store.getMember(m1))?.balance).toBe(0);
      expect((await store.getMember(m2))?.balance).toBe(200);
      // A rerun converts nothing more.
      expect((await runConversion(store, undefined, clock)).converted).toBe(0);

      const types = (await store.listEvents(0, 1000)).map((e) => e.type);
      expect(types.filter((t) => t === 'voucher-issued')).toHaveLength(2);
      expect(types).toContain('terms-accepted');
      expect(types).toContain('terms-refused');
      await audit();
    });

    /** Converts member `m`'s whole balance at `till` under the newest program; answers the voucher and its value. */
    async function convertAll(m: MemberId): Promise<{ code: string; valueCents: number }> {
      const program = await store.latestProgram();
      if (!program) throw new Error('no program');
      const code = makeVoucherCode(crypto.getRandomValues(new Uint8Array(12)));
      const points = (await store.getMember(m))?.balance ?? 0;
      const valueCents = voucherValue(program, points);
      const op = { ...till.earn(m, 1), kind: 'convert', points, valueCents, voucherCode: code } as unknown as Op;
      expect(await push([op])).toEqual([{ status: 'applied', delta: -points }]);
      return { code, valueCents };
    }

    it('redeems a voucher once: a retry of the same redemption is a duplicate, a second one and an expired one are refused', async () => {
      const [m, m2] = [member(0), member(2)];
      await push([till.earn(m, 40_000), till.earn(m2, 20_000)]);
      clock = earnUntil + DAY;
      const program = await store.latestProgram();
      if (!program) throw new Error('no program');
      const { code, valueCents } = await convertAll(m);
      const eventsBefore = (await store.listEvents(0, 1000)).length;

      const id = uuidv7();
      const at = clock + 1_000;
      const redeem = (by: string, redemptionId: string | null, when = at) =>
        store.redeemVoucher({ code, by, ref: 'R-7', redemptionId, at: when });
      await expect(store.redeemVoucher({ code: 'NOPE', by: 'x', ref: null, redemptionId: null, at })).resolves.toEqual({
        outcome: 'unknown',
      });
      const first = await redeem('s1/a1', id);
      expect(first).toMatchObject({ outcome: 'redeemed', voucher: { redeemedAt: at, redeemedBy: 's1/a1' } });
      expect((await redeem('s1/a1', id, at + 5_000)).outcome).toBe('duplicate');
      expect((await redeem('s1/a2', id)).outcome).toBe('redeemed-before');
      expect((await redeem('s1/a1', uuidv7())).outcome).toBe('redeemed-before');
      expect((await store.getVoucher(code))?.redeemedAt).toBe(at);

      const events = (await store.listEvents(0, 1000)).slice(eventsBefore);
      expect(events.map((e) => [e.type, e.memberId, e.data])).toEqual([
        ['voucher-redeemed', m, { code, valueCents, currency: program.currency, by: 's1/a1', ref: 'R-7' }],
      ]);

      // An expired voucher is refused and stays unredeemed.
      const { code: late } = await convertAll(m2);
      const v = await store.getVoucher(late);
      if (!v) throw new Error('voucher not issued');
      expect(
        (await store.redeemVoucher({ code: late, by: 's1/a1', ref: null, redemptionId: uuidv7(), at: v.validUntil }))
          .outcome,
      ).toBe('expired');
      expect((await store.getVoucher(late))?.redeemedAt).toBeNull();
      expect((await store.listEvents(0, 1000)).filter((e) => e.type === 'voucher-redeemed')).toHaveLength(1);
    });

    it('lets exactly one of many concurrent redemptions of a code succeed', async () => {
      const m = member(1);
      await push([till.earn(m, 20_000)]);
      clock = earnUntil + DAY;
      const { code } = await convertAll(m);
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.redeemVoucher({ code, by: `s1/t${i}`, ref: null, redemptionId: uuidv7(), at: clock }),
        ),
      );
      expect(outcomes.filter((o) => o.outcome === 'redeemed')).toHaveLength(1);
      expect(outcomes.filter((o) => o.outcome === 'redeemed-before')).toHaveLength(7);
      expect((await store.listEvents(0, 1000)).filter((e) => e.type === 'voucher-redeemed')).toHaveLength(1);
    });

    it('a bulk conversion draft is refused, not applied, when the balance moved after it was read', async () => {
      const m = member(0);
      await push([till.earn(m, 10_000)]);
      clock = earnUntil + DAY;
      const program = await store.latestProgram();
      if (!program) throw new Error('no program');
      const [r] = await applyHeadOfficeOps(store, [conversionDraft(program, m, 150)], clock);
      expect(r?.outcome).toEqual({ status: 'rejected', code: 'BALANCE_CHANGED' });
      expect((await store.getMember(m))?.balance).toBe(200);
    });
  });
});
