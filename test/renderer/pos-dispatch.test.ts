/** The renderer's POS dispatch: requests to engine calls, refusals to codes, and earns/burns idempotent by receipt. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { PosRequestMessage } from '../../electron/pos-contract.ts';
import type { OpRow } from '../../sync/till/db.ts';
import type { RunningTill } from '../../sync/till/till.ts';
import { answerPosRequest } from '../../renderer/pos-dispatch.ts';
import type { PosEngine } from '../../renderer/pos-dispatch.ts';
import type { posEngineOf } from '../../renderer/pos-engine.ts';

const ID = '00000000-0000-4000-8000-000000000001';
const ID2 = '00000000-0000-4000-8000-000000000002';
const MEMBER = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
const lookup: Extract<PosRequestMessage, { kind: 'lookup' }>['payload'] = { card: '4000-1234' };
const lines = [{ amountCents: 100, category: 'grocery' }];

function fakeEngine(overrides: Partial<PosEngine> = {}) {
  const calls: unknown[][] = [];
  const engine: PosEngine = {
    lookup: (...a) => (calls.push(['lookup', ...a]), Promise.resolve({ found: true })),
    quote: (...a) => (calls.push(['quote', ...a]), Promise.resolve({ points: 12 })),
    earn: (...a) => (calls.push(['earn', ...a]), Promise.resolve({ op: 1 })),
    burn: (...a) => (calls.push(['burn', ...a]), Promise.resolve({ ok: true })),
    void: (...a) => (calls.push(['void', ...a]), Promise.resolve({ op: 2 })),
    answerTerms: (...a) => (calls.push(['answerTerms', ...a]), Promise.resolve({ op: 3 })),
    conversionQuote: (...a) => (calls.push(['conversionQuote', ...a]), Promise.resolve({ ok: true })),
    convert: (...a) => (calls.push(['convert', ...a]), Promise.resolve({ ok: true })),
    checkVoucher: (...a) => (calls.push(['checkVoucher', ...a]), Promise.resolve({ ok: true })),
    redeemVoucher: (...a) => (calls.push(['redeemVoucher', ...a]), Promise.resolve({ ok: true, duplicate: false })),
    enrol: (...a) => (calls.push(['enrol', ...a]), Promise.resolve({ op: 4 })),
    recordConsent: (...a) => (calls.push(['recordConsent', ...a]), Promise.resolve({ op: 5 })),
    memberView: () => Promise.resolve({ displayed: 10 }),
    findByReceipt: () => Promise.resolve(undefined),
    refund: (...a) => (calls.push(['refund', ...a]), Promise.resolve({ op: 5 })),
    refundByReceipt: () => Promise.resolve(undefined),
    ...overrides,
  };
  return { engine, calls };
}

describe('answerPosRequest', () => {
  it('calls the engine method of the kind with its arguments and answers with the same id', async () => {
    const { engine, calls } = fakeEngine();
    const req = { id: ID, kind: 'quote', payload: { memberId: MEMBER, lines } } as PosRequestMessage;
    await expect(answerPosRequest(engine, req)).resolves.toEqual({ id: ID, ok: true, result: { points: 12 } });
    expect(calls.at(-1)).toEqual(['quote', MEMBER, lines]);
    const earn = { id: ID, kind: 'earn', payload: { memberId: MEMBER, lines } } as PosRequestMessage;
    await answerPosRequest(engine, earn);
    expect(calls.at(-1)).toEqual(['earn', { memberId: MEMBER, lines }]);
  });

  it('passes an enrolment to the engine, its consent marked as given through the POS API', async () => {
    const { engine, calls } = fakeEngine();
    const card = '4000123400000007';
    const withConsent = {
      id: ID,
      kind: 'enrol',
      payload: { card, name: 'Ann', consent: { email: true, post: false } },
    } as PosRequestMessage;
    await expect(answerPosRequest(engine, withConsent)).resolves.toEqual({ id: ID, ok: true, result: { op: 4 } });
    expect(calls.at(-1)).toEqual([
      'enrol',
      { card, name: 'Ann', consent: { email: true, post: false, method: 'pos-api' } },
    ]);
    await answerPosRequest(engine, { id: ID2, kind: 'enrol', payload: { card, name: 'Ann' } } as PosRequestMessage);
    expect(calls.at(-1)).toEqual(['enrol', { card, name: 'Ann' }]);
  });

  it('passes a change of consent to the engine, marked as given through the POS API', async () => {
    const { engine, calls } = fakeEngine();
    const req = {
      id: ID,
      kind: 'consent',
      payload: { memberId: MEMBER, consent: { sms: true, post: false } },
    } as PosRequestMessage;
    await expect(answerPosRequest(engine, req)).resolves.toEqual({ id: ID, ok: true, result: { op: 5 } });
    expect(calls.at(-1)).toEqual([
      'recordConsent',
      { memberId: MEMBER, consent: { sms: true, post: false }, method: 'pos-api' },
    ]);
  });

  it('passes terms answers, conversion quotes and conversions to the engine', async () => {
    const { engine, calls } = fakeEngine();
    const terms = { id: ID, kind: 'terms', payload: { memberId: MEMBER, answer: 'refused' } } as PosRequestMessage;
    await answerPosRequest(engine, terms);
    expect(calls.at(-1)).toEqual(['answerTerms', MEMBER, 'refused']);
    await answerPosRequest(engine, {
      id: ID,
      kind: 'conversionQuote',
      payload: { memberId: MEMBER },
    } as PosRequestMessage);
    expect(calls.at(-1)).toEqual(['conversionQuote', MEMBER]);
    const convert = { id: ID, kind: 'convert', payload: { memberId: MEMBER, points: 900 } } as PosRequestMessage;
    await answerPosRequest(engine, convert);
    expect(calls.at(-1)).toEqual(['convert', { memberId: MEMBER, points: 900 }]);
  });

  it('passes voucher checks and redemptions (with their receipt) to the engine', async () => {
    const { engine, calls } = fakeEngine();
    const code = 'ABCD-EFGH-JKMN-PQRS-TVWX';
    const check = { id: ID, kind: 'voucherCheck', payload: { code } } as PosRequestMessage;
    await expect(answerPosRequest(engine, check)).resolves.toEqual({ id: ID, ok: true, result: { ok: true } });
    expect(calls.at(-1)).toEqual(['checkVoucher', code]);
    const redeem = { id: ID2, kind: 'voucherRedeem', payload: { code, receiptRef: 'R-9' } } as PosRequestMessage;
    await answerPosRequest(engine, redeem);
    expect(calls.at(-1)).toEqual(['redeemVoucher', { code, receiptRef: 'R-9' }]);
    await answerPosRequest(engine, { id: ID2, kind: 'voucherRedeem', payload: { code } });
    expect(calls.at(-1)).toEqual(['redeemVoucher', { code }]);
  });

  it("keeps a TillError's code, message and issues", async () => {
    class TillLikeError extends Error {
      readonly code = 'UNKNOWN_MEMBER';
      readonly issues = ['memberId: unknown'];
    }
    const { engine } = fakeEngine({ lookup: () => Promise.reject(new TillLikeError('not held')) });
    const res = await answerPosRequest(engine, { id: ID, kind: 'lookup', payload: lookup });
    expect(res).toEqual({
      id: ID,
      ok: false,
      error: { code: 'UNKNOWN_MEMBER', message: 'not held', issues: ['memberId: unknown'] },
    });
  });

  it('hides unexpected errors behind INTERNAL', async () => {
    const { engine } = fakeEngine({ lookup: () => Promise.reject(new TypeError('x is undefined at /secret')) });
    const res = await answerPosRequest(engine, { id: ID, kind: 'lookup', payload: lookup });
    expect(res).toEqual({ id: ID, ok: false, error: { code: 'INTERNAL', message: 'The till engine failed.' } });
  });

  it('answers ENGINE_UNAVAILABLE at once when no engine runs yet, instead of leaving the POS to time out', async () => {
    const res = await answerPosRequest(null, { id: ID, kind: 'lookup', payload: lookup });
    expect(res).toMatchObject({ id: ID, ok: false, error: { code: 'ENGINE_UNAVAILABLE' } });
  });

  it('replays the op already journaled for an earn receipt instead of earning again', async () => {
    const row = { opId: 'op-1', memberId: MEMBER, mode: 'local', op: { kind: 'earn' } } as unknown as OpRow;
    const asked: unknown[][] = [];
    const { engine, calls } = fakeEngine({
      findByReceipt: (...a) => (asked.push(a), Promise.resolve(row)),
    });
    const req = { id: ID, kind: 'earn', payload: { memberId: MEMBER, lines, receiptRef: 'R-1' } } as PosRequestMessage;
    const res = await answerPosRequest(engine, req);
    expect(res).toEqual({ id: ID, ok: true, result: { replayed: true, op: row, view: { displayed: 10 } } });
    expect(asked).toEqual([['earn', MEMBER, 'R-1']]);
    expect(calls.filter((c) => c[0] === 'earn')).toEqual([]);
  });

  it('replays a burn receipt with the shape of a given burn and its mode', async () => {
    const row = { opId: 'op-2', memberId: MEMBER, mode: 'offline', op: { kind: 'burn' } } as unknown as OpRow;
    const { engine, calls } = fakeEngine({ findByReceipt: () => Promise.resolve(row) });
    const what = { type: 'reward', rewardId: 'coffee' };
    const req = { id: ID, kind: 'burn', payload: { memberId: MEMBER, what, receiptRef: 'R-2' } } as PosRequestMessage;
    const res = await answerPosRequest(engine, req);
    expect(res).toMatchObject({ ok: true, result: { replayed: true, ok: true, op: row, mode: 'offline' } });
    expect(calls.filter((c) => c[0] === 'burn')).toEqual([]);
  });

  it('never looks for a receipt when the request carries none (no key to be idempotent on)', async () => {
    let looked = false;
    const { engine, calls } = fakeEngine({ findByReceipt: () => ((looked = true), Promise.resolve(undefined)) });
    await answerPosRequest(engine, { id: ID, kind: 'earn', payload: { memberId: MEMBER, lines } } as PosRequestMessage);
    expect(looked).toBe(false);
    expect(calls.filter((c) => c[0] === 'earn')).toHaveLength(1);
  });

  it('runs a retry that arrives while the first request for the receipt still runs after it, then replays it', async () => {
    const journal: OpRow[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { engine, calls } = fakeEngine({
      findByReceipt: (kind, memberId, ref) =>
        Promise.resolve(journal.find((r) => r.op.kind === kind && r.memberId === memberId && ref === 'R-3')),
      burn: async (input) => {
        calls.push(['burn', input]);
        await gate; // the ledger's authorization takes a while
        const row = { opId: 'op-3', memberId: MEMBER, mode: 'online', op: { kind: 'burn' } } as unknown as OpRow;
        journal.push(row);
        return { ok: true, op: row, mode: 'online' };
      },
    });
    const what = { type: 'reward', rewardId: 'coffee' };
    const payload = { memberId: MEMBER, what, receiptRef: 'R-3' };
    const first = answerPosRequest(engine, { id: ID, kind: 'burn', payload } as PosRequestMessage);
    const retry = answerPosRequest(engine, { id: ID2, kind: 'burn', payload } as PosRequestMessage);
    await new Promise((r) => setTimeout(r, 10));
    release();
    const [a, b] = await Promise.all([first, retry]);
    expect(calls.filter((c) => c[0] === 'burn')).toHaveLength(1);
    expect(a).toMatchObject({ id: ID, ok: true, result: { mode: 'online' } });
    expect(b).toMatchObject({ id: ID2, ok: true, result: { replayed: true, mode: 'online', op: { opId: 'op-3' } } });
  });

  it('refunds once per refund receipt: a retry replays the refund journaled for it; without a receipt, no key', async () => {
    const journal: OpRow[] = [];
    const { engine, calls } = fakeEngine({
      refundByReceipt: (ref) => Promise.resolve(journal.find((r) => r.op.kind === 'refund' && ref === 'RET-1')),
      refund: (input) => {
        calls.push(['refund', input]);
        const row = { opId: 'op-9', memberId: MEMBER, mode: 'local', op: { kind: 'refund' } } as unknown as OpRow;
        journal.push(row);
        return Promise.resolve({ op: row, estDelta: -5 });
      },
    });
    const sale = { by: 'receipt', receiptRef: 'S-42' };
    const what = { by: 'amount', amountCents: 500 };
    const payload = { sale, what, reason: 'returned', receiptRef: 'RET-1' };
    const first = await answerPosRequest(engine, { id: ID, kind: 'refund', payload } as PosRequestMessage);
    const retry = await answerPosRequest(engine, { id: ID2, kind: 'refund', payload } as PosRequestMessage);
    expect(first).toMatchObject({ ok: true, result: { estDelta: -5 } });
    expect(retry).toMatchObject({ ok: true, result: { replayed: true, op: { opId: 'op-9' } } });
    expect(calls.filter((c) => c[0] === 'refund')).toEqual([
      ['refund', { sale, what, reason: 'returned', receiptRef: 'RET-1' }],
    ]);
    const bare = { sale, what, reason: 'returned' };
    await answerPosRequest(engine, { id: ID, kind: 'refund', payload: bare } as PosRequestMessage);
    await answerPosRequest(engine, { id: ID2, kind: 'refund', payload: bare } as PosRequestMessage);
    expect(calls.filter((c) => c[0] === 'refund')).toHaveLength(3);
  });

  it("fits the running till's real API through posEngineOf", () => {
    expectTypeOf<RunningTill>().toExtend<Parameters<typeof posEngineOf>[0]>();
  });
});
