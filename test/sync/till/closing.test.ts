/** The closing kit at the till: earn and burn deadlines, the burn window, terms answered, balances converted. */
import { afterEach, describe, expect, it } from 'vitest';
import { checkVoucherCode, makeVoucherCode } from '../../../sync/loyalty/closing.ts';
import type { Closing } from '../../../sync/loyalty/closing.ts';
import type { BasketLine } from '../../../sync/loyalty/ops.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import type { Cents, Points } from '../../../sync/loyalty/units.ts';
import { errorMessages } from '../../../sync/protocol/errors.ts';
import type { MemberSnapshot } from '../../../sync/protocol/messages.ts';
import { setMeta } from '../../../sync/till/db.ts';
import { burnRefusalSentence, conversionRefusalSentence } from '../../../renderer/engine-messages.ts';
import { errorSentence } from '../../../renderer/format.ts';
import type { TillDb } from '../../../sync/till/db.ts';
import { TillError } from '../../../sync/till/engine.ts';
import type { LedgerLink } from '../../../sync/till/engine.ts';
import { applySnapshot } from '../../../sync/till/view.ts';
import { FakeLedger } from './support/fake-ledger.ts';
import { linkToFakeLedger } from './support/online.ts';
import { testProgram } from './support/program.ts';
import { ManualClock, makeTill, memberId } from './support/till.ts';
import type { TestTill } from './support/till.ts';

const DAY = 86_400_000;
/** The tests' "now": 10 March 2025, 09:00 UTC (ManualClock's default). */
const T0 = Date.UTC(2025, 2, 10, 9, 0, 0);
const M1 = memberId(1);
const lines = (...amounts: number[]): BasketLine[] =>
  amounts.map((a) => ({ amountCents: a as Cents, category: 'grocery' }));

/** Earning stops a day after T0, burning ten days after; a window from T0 to the deadline; 120% vouchers. */
function closing(over: Partial<Closing> = {}): Closing {
  return {
    earnUntil: T0 + DAY,
    burnDeadline: T0 + 10 * DAY,
    burnWindow: {
      startsAt: T0,
      endsAt: T0 + 10 * DAY,
      rewards: [{ id: 'mini', name: 'Mini treat', points: 20, kind: 'small' }],
    },
    termsVersion: 'v2',
    conversionPct: 120,
    voucherValidDays: 30,
    ...over,
  };
}

const closingProgram = (over: Partial<Closing> = {}): Program => testProgram({ version: 2, closing: closing(over) });

function snap(balance: number, ledgerSeq: number, over: Partial<MemberSnapshot> = {}): MemberSnapshot {
  return {
    memberId: M1,
    card: '1000-0001' as MemberSnapshot['card'],
    name: 'Ada',
    balance: balance as Points,
    lifetimePoints: balance as Points,
    welcomeGiven: true,
    ledgerSeq,
    ...over,
  };
}

async function hold(db: TillDb, s: MemberSnapshot, tillSeq = 0): Promise<void> {
  await db.transaction('rw', db.members, () => applySnapshot(db, s, tillSeq, 0));
}

const tills: TestTill[] = [];
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  for (const t of tills.splice(0)) t.db.close();
});

/** An offline till holding the closing program and member M1 with `balance`. */
async function offlineTill(balance: number, program = closingProgram(), clock = new ManualClock()) {
  const t = await makeTill({ clock });
  tills.push(t);
  await setMeta(t.db, 'program', program);
  await hold(t.db, snap(balance, 1));
  return t;
}

/** A till wired to a FakeLedger (holding the same closing program) through a real Replicator, synced once. */
async function onlineTill(balance: number, program = closingProgram(), randomBytes?: (n: number) => Uint8Array) {
  const ledger = new FakeLedger(program);
  ledger.seed(M1, '1000-0001', 'Ada', balance);
  const t = await makeTill(randomBytes ? { randomBytes } : {});
  tills.push(t);
  const { transport, replicator, stop } = await linkToFakeLedger(t, ledger);
  stops.push(stop);
  return { t, ledger, transport, replicator };
}

describe('earn and burn deadlines (till clock, the program the till holds)', () => {
  it('earns before earnUntil; after it, the earn and its quote are refused EARN_CLOSED and nothing is written', async () => {
    const t = await offlineTill(100);
    const { view } = await t.engine.earn({ memberId: M1, lines: lines(1000) });
    expect(view.displayed).toBe(110);
    t.clock.advance(DAY);
    const err: unknown = await t.engine.earn({ memberId: M1, lines: lines(1000) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TillError);
    expect(err).toMatchObject({ code: 'EARN_CLOSED' });
    expect(errorSentence(err)).toBe(errorMessages.EARN_CLOSED);
    await expect(t.engine.quote(M1, lines(1000))).rejects.toMatchObject({ code: 'EARN_CLOSED' });
    expect(await t.db.ops.count()).toBe(1);
  });

  it('burns until the deadline; after it, a burn is refused BURN_CLOSED before anything is written', async () => {
    const t = await offlineTill(500);
    t.clock.advance(10 * DAY - 1);
    expect(await t.engine.burn({ memberId: M1, what: { type: 'points', points: 50 as Points } })).toMatchObject({
      ok: true,
    });
    t.clock.advance(1);
    const r = await t.engine.burn({ memberId: M1, what: { type: 'points', points: 50 as Points } });
    expect(r).toEqual({ ok: false, reason: 'BURN_CLOSED' });
    expect(burnRefusalSentence('BURN_CLOSED')).toBe(errorMessages.BURN_CLOSED);
    expect(await t.engine.rewards()).toEqual([]);
    expect(await t.db.ops.count()).toBe(1);
  });

  it("offers the burn window's rewards only while it runs, and prices a burn of one with its points", async () => {
    const clock = new ManualClock(T0 - 1);
    const t = await offlineTill(500, closingProgram(), clock);
    expect((await t.engine.rewards()).map((r) => r.id)).toEqual(['coffee']);
    const early = await t.engine.burn({ memberId: M1, what: { type: 'reward', rewardId: 'mini' } });
    expect(early).toMatchObject({ ok: false, reason: 'UNKNOWN_REWARD' });
    clock.advance(1);
    expect((await t.engine.rewards()).map((r) => r.id)).toEqual(['coffee', 'mini']);
    const r = await t.engine.burn({ memberId: M1, what: { type: 'reward', rewardId: 'mini' } });
    expect(r).toMatchObject({ ok: true, op: { op: { points: 20 } }, view: { displayed: 480 } });
  });

  it('a program without a closing earns and burns as before', async () => {
    const t = await offlineTill(500, testProgram());
    t.clock.advance(1_000 * DAY);
    await t.engine.earn({ memberId: M1, lines: lines(1000) });
    expect(await t.engine.burn({ memberId: M1, what: { type: 'reward', rewardId: 'coffee' } })).toMatchObject({
      ok: true,
    });
    expect(await t.engine.memberView(M1)).toMatchObject({ termsToAnswer: false, termsRefused: false, terms: null });
  });
});

describe('terms', () => {
  it("journals the answer for the program's terms version, durable, and the view stops asking", async () => {
    const t = await offlineTill(100);
    expect(await t.engine.memberView(M1)).toMatchObject({ termsToAnswer: true, terms: null });
    const { op, view } = await t.engine.answerTerms(M1, 'accepted');
    expect(op).toMatchObject({ status: 'pending', estDelta: 0, op: { kind: 'terms', termsVersion: 'v2' } });
    expect(view).toMatchObject({ termsToAnswer: false, termsRefused: false, displayed: 100 });
    expect(view.terms).toMatchObject({ version: 'v2', answer: 'accepted', confirmed: false });

    const again = await t.reopen();
    tills.push(again);
    expect(await again.engine.memberView(M1)).toMatchObject({ termsToAnswer: false, terms: { answer: 'accepted' } });
  });

  it('a refusal is shown as refused, and the newest answer of this till counts', async () => {
    const t = await offlineTill(100);
    await t.engine.answerTerms(M1, 'accepted');
    const { view } = await t.engine.answerTerms(M1, 'refused');
    expect(view).toMatchObject({ termsToAnswer: false, termsRefused: true, terms: { answer: 'refused' } });
  });

  it('asks again when the program asks for newer terms than the member answered', async () => {
    const t = await offlineTill(100);
    await hold(t.db, snap(100, 2, { terms: { version: 'v1', answer: 'accepted', at: T0 } }));
    expect(await t.engine.memberView(M1)).toMatchObject({ termsToAnswer: true, termsRefused: false });
    await hold(t.db, snap(100, 3, { terms: { version: 'v2', answer: 'refused', at: T0 } }));
    expect(await t.engine.memberView(M1)).toMatchObject({
      termsToAnswer: false,
      termsRefused: true,
      terms: { version: 'v2', answer: 'refused', confirmed: true },
    });
  });

  it('refuses with UNKNOWN_TERMS when the program asks for no terms, writing nothing', async () => {
    const { termsVersion: _none, ...withoutTerms } = closing();
    const t = await offlineTill(100, testProgram({ version: 2, closing: withoutTerms }));
    await expect(t.engine.answerTerms(M1, 'accepted')).rejects.toMatchObject({ code: 'UNKNOWN_TERMS' });
    await expect(t.engine.answerTerms(M1, 'maybe' as never)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(await t.db.ops.count()).toBe(0);
  });

  it("syncs like any other op: the ledger records the answer and the till's view shows it confirmed", async () => {
    const { t, ledger, replicator } = await onlineTill(100);
    await t.engine.answerTerms(M1, 'refused');
    await replicator.syncOnce();
    expect(ledger.members.get(M1)?.terms).toMatchObject({ version: 'v2', answer: 'refused' });
    expect(await t.engine.memberView(M1)).toMatchObject({
      pendingOps: 0,
      termsRefused: true,
      terms: { version: 'v2', answer: 'refused', confirmed: true },
    });
  });
});

describe('conversion into a gift voucher', () => {
  const bytes = (seed: number) => () => Uint8Array.from({ length: 12 }, (_, i) => (seed * 31 + i * 17) & 0xff);

  it('quotes the whole balance at the rate only once conversion is open, and never offline', async () => {
    const { t } = await onlineTill(1_000);
    expect(await t.engine.conversionQuote(M1)).toMatchObject({ ok: false, reason: 'NOT_OPEN' });
    t.clock.advance(DAY);
    expect(await t.engine.conversionQuote(M1)).toEqual({
      ok: true,
      points: 1_000,
      faceValue: 1_000,
      voucher: 1_200,
      validUntil: T0 + DAY + 30 * DAY,
      currency: 'GBP',
    });
    t.engine.setLink({ ...offlineLinkLike(), isConnected: () => false });
    expect(await t.engine.conversionQuote(M1)).toMatchObject({ ok: false, reason: 'OFFLINE' });
    t.clock.advance(9 * DAY);
    expect(await t.engine.conversionQuote(M1)).toMatchObject({ ok: false, reason: 'DEADLINE_PASSED' });
  });

  it('converts online: the ledger applies it, the voucher has the code drawn at the till and the balance is 0', async () => {
    const { t, ledger, transport } = await onlineTill(1_000, closingProgram(), bytes(7));
    t.clock.advance(DAY);
    const r = await t.engine.convert({ memberId: M1, points: 1_000 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const code = makeVoucherCode(bytes(7)());
    expect(r.voucher).toEqual({ code, points: 1_000, valueCents: 1_200, validUntil: T0 + 31 * DAY });
    expect(checkVoucherCode(r.voucher.code)).toEqual({ ok: true, code });
    expect(r.op).toMatchObject({ status: 'applied', mode: 'online', op: { kind: 'convert', voucherCode: code } });
    expect(r.view).toMatchObject({ confirmed: 0, displayed: 0, pendingOps: 0 });
    expect(transport.sent.at(-1)).toEqual({ kind: 'authorize', opIds: [r.op.opId] });
    expect(ledger.members.get(M1)?.balance).toBe(0);
    expect((await t.engine.conversions()).map((o) => o.opId)).toEqual([r.op.opId]);
  });

  it('draws a fresh, checkable code from the CSPRNG for every conversion by default', async () => {
    const { t, ledger, replicator } = await onlineTill(1_000);
    t.clock.advance(DAY);
    const codes: string[] = [];
    for (const points of [1_000, 500]) {
      const r = await t.engine.convert({ memberId: M1, points });
      expect(r.ok).toBe(true);
      if (r.ok) codes.push(r.voucher.code);
      ledger.setBalance(M1, 500); // points given back by head office, say
      await replicator.pullAll();
    }
    expect(codes.map((c) => checkVoucherCode(c).ok)).toEqual([true, true]);
    expect(codes[0]).not.toBe(codes[1]);
  });

  it('carries the earlier pending ops with it, and converts the balance they leave', async () => {
    const { t, transport, ledger } = await onlineTill(1_000, closingProgram({ earnUntil: T0 + 1, conversionFrom: T0 }));
    await t.engine.answerTerms(M1, 'accepted');
    await t.engine.earn({ memberId: M1, lines: lines(1000) }); // 10 points + 10% as Gold
    const offer = await t.engine.conversionQuote(M1);
    expect(offer).toMatchObject({ ok: true, points: 1_011, voucher: 1_213 });
    const r = await t.engine.convert({ memberId: M1, points: 1_011 });
    expect(r).toMatchObject({ ok: true, voucher: { points: 1_011, valueCents: 1_213 } });
    expect(transport.sent.at(-1)?.opIds).toHaveLength(3);
    expect(ledger.members.get(M1)).toMatchObject({ balance: 0, terms: { answer: 'accepted' } });
  });

  it('refused by the ledger (the balance changed at another till): no voucher, the sentence, the op rejected', async () => {
    const { t, ledger } = await onlineTill(1_000);
    t.clock.advance(DAY);
    ledger.setBalance(M1, 1_300); // earned at another till, not yet seen here
    const r = await t.engine.convert({ memberId: M1, points: 1_000 });
    expect(r).toMatchObject({
      ok: false,
      reason: 'BALANCE_CHANGED',
      queued: false,
      op: { status: 'rejected' },
    });
    expect(conversionRefusalSentence('BALANCE_CHANGED')).toBe(errorMessages.BALANCE_CHANGED);
    expect(ledger.members.get(M1)?.balance).toBe(1_300);
    expect(await t.engine.conversionQuote(M1)).toMatchObject({ ok: true, points: 1_300 });
  });

  it('refuses before writing anything: a stale quote, refused terms, offline, nothing to convert', async () => {
    const { t } = await onlineTill(1_000);
    t.clock.advance(DAY);
    expect(await t.engine.convert({ memberId: M1, points: 900 })).toMatchObject({
      ok: false,
      reason: 'BALANCE_CHANGED',
      queued: false,
    });
    await t.engine.answerTerms(M1, 'refused');
    const refused = await t.engine.convert({ memberId: M1, points: 1_000 });
    expect(refused).toEqual({ ok: false, reason: 'TERMS_REFUSED', queued: false });
    expect(conversionRefusalSentence('TERMS_REFUSED')).toBe(errorMessages.TERMS_REFUSED);
    expect((await t.db.ops.toArray()).map((o) => o.op.kind)).toEqual(['terms']);

    const off = await offlineTill(1_000, closingProgram(), new ManualClock(T0 + DAY));
    const r = await off.engine.convert({ memberId: M1, points: 1_000 });
    expect(r).toMatchObject({ ok: false, reason: 'OFFLINE', queued: false });
    if (!r.ok) expect(conversionRefusalSentence(r.reason)).toContain('no voucher can be given now');
    const empty = await offlineTill(0, closingProgram(), new ManualClock(T0 + DAY));
    empty.engine.setLink({ ...offlineLinkLike(), isConnected: () => true });
    expect(await empty.engine.convert({ memberId: M1, points: 1 })).toMatchObject({ reason: 'NOTHING_TO_CONVERT' });
    expect(await off.db.ops.count()).toBe(0);
    expect(await empty.db.ops.count()).toBe(0);
  });

  it('no answer in time: no voucher, the op stays queued, and once the ledger applies it the manager lists it', async () => {
    const { t, transport, ledger, replicator } = await onlineTill(1_000);
    t.clock.advance(DAY);
    transport.fault = (k) => (k === 'authorize' ? 'drop-request' : 'ok');
    const r = await t.engine.convert({ memberId: M1, points: 1_000 });
    expect(r).toMatchObject({ ok: false, reason: 'NO_ANSWER', queued: true });
    if (r.ok) return;
    expect(conversionRefusalSentence(r.reason)).toContain('do NOT give a voucher');
    expect(r.op).toMatchObject({ status: 'pending', authTimedOut: true });
    expect((await t.engine.queues()).pending.map((o) => o.op.kind)).toEqual(['convert']);
    expect((await t.engine.memberView(M1))?.displayed).toBe(0);
    expect(ledger.members.get(M1)?.balance).toBe(1_000);

    await replicator.syncOnce();
    expect(ledger.members.get(M1)?.balance).toBe(0);
    const [listed] = await t.engine.conversions();
    expect(listed).toMatchObject({ opId: r.op?.opId, status: 'applied', authTimedOut: true });
  });

  it('an answer recorded just after the deadline still decides', async () => {
    const { t, replicator } = await onlineTill(1_000);
    t.clock.advance(DAY);
    // The authorization times out, but the background push gets the ledger's answer recorded meanwhile.
    const late: LedgerLink = {
      isConnected: () => true,
      lookup: () => Promise.resolve('offline'),
      findSale: () => Promise.resolve('offline'),
      voucher: () => Promise.resolve('offline'),
      authorize: async () => {
        await replicator.pushBatch();
        return 'timeout';
      },
    };
    t.engine.setLink(late);
    expect(await t.engine.convert({ memberId: M1, points: 1_000 })).toMatchObject({
      ok: true,
      op: { status: 'applied' },
      voucher: { points: 1_000, valueCents: 1_200 },
    });
  });
});

describe('view', () => {
  it('keeps the ledger tier and terms of a snapshot, and estimates lifetime points with unconfirmed earns', async () => {
    const t = await offlineTill(900, testProgram());
    await hold(t.db, snap(900, 2, { tier: 'gold', terms: null }));
    const row = await t.db.members.get(M1);
    expect(row).toMatchObject({ tier: 'gold', terms: null });
    const { op } = await t.engine.earn({ memberId: M1, lines: lines(15000) });
    const view = await t.engine.memberView(M1);
    expect(view).toMatchObject({ lifetimePoints: 900, lifetimeEstimate: 1_050, tier: { name: 'gold' } });
    await t.engine.void({ opId: op.opId, reason: 'wrong card' });
    expect(await t.engine.memberView(M1)).toMatchObject({ lifetimeEstimate: 900 });
  });
});

function offlineLinkLike(): LedgerLink {
  return {
    isConnected: () => false,
    authorize: () => Promise.resolve('timeout'),
    lookup: () => Promise.resolve('offline'),
    findSale: () => Promise.resolve('offline'),
    voucher: () => Promise.resolve('offline'),
  };
}
