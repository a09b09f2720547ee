/**
 * The engine answers codes and data; the renderer words them (engine-messages.ts). The POS API still reads each
 * refusal's sentence as `message`, word for word as when the engine wrote it: the real till engine (on a fake
 * IndexedDB) behind posEngineOf and answerPosRequest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PosRequestMessage } from '../../electron/pos-contract.ts';
import type { Points } from '../../sync/loyalty/units.ts';
import { errorMessages } from '../../sync/protocol/errors.ts';
import type { MemberSnapshot } from '../../sync/protocol/messages.ts';
import { TillError } from '../../sync/till/engine.ts';
import { applySnapshot } from '../../sync/till/view.ts';
import { burnRefusalSentence, voucherRefusalSentence } from '../../renderer/engine-messages.ts';
import { errorSentence } from '../../renderer/format.ts';
import { answerPosRequest } from '../../renderer/pos-dispatch.ts';
import { posEngineOf } from '../../renderer/pos-engine.ts';
import { makeTill, memberId } from '../sync/till/support/till.ts';
import type { TestTill } from '../sync/till/support/till.ts';

const M1 = memberId(1);
let n = 0;
const reqId = () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}`;
const ask = (kind: PosRequestMessage['kind'], payload: unknown) =>
  ({ id: reqId(), kind, payload }) as PosRequestMessage;

const tills: TestTill[] = [];
afterEach(() => {
  for (const t of tills.splice(0)) t.db.close();
});

/** An offline till holding M1 with 500 points. */
async function offlineTill(): Promise<TestTill> {
  const t = await makeTill();
  tills.push(t);
  const snap: MemberSnapshot = {
    memberId: M1,
    card: '1000-0001' as MemberSnapshot['card'],
    name: 'Ada',
    balance: 500 as Points,
    lifetimePoints: 500 as Points,
    welcomeGiven: true,
    ledgerSeq: 1,
  };
  await t.db.transaction('rw', t.db.members, () => applySnapshot(t.db, snap, 0, 0));
  return t;
}

describe('the POS reads the same sentences as before', () => {
  it('for refused results: a lookup offline, a burn over the offline limit, a conversion, a voucher', async () => {
    const pos = posEngineOf(await offlineTill());
    expect(await answerPosRequest(pos, ask('lookup', { card: '1000-0009' }))).toMatchObject({
      ok: true,
      result: {
        found: false,
        reason: 'OFFLINE',
        message: 'Card not held at this till and the ledger cannot be reached.',
      },
    });
    const burn = await answerPosRequest(pos, ask('burn', { memberId: M1, what: { type: 'points', points: 350 } }));
    expect(burn).toEqual({
      id: burn.id,
      ok: true,
      result: {
        ok: false,
        reason: 'OVER_OP_LIMIT',
        message: 'The ledger cannot be reached and this burn is above the offline limit per operation.',
      },
    });
    const offer = await answerPosRequest(pos, ask('conversionQuote', { memberId: M1 }));
    expect(offer).toMatchObject({
      ok: true,
      result: {
        ok: false,
        reason: 'NO_CLOSING',
        message: 'The programme is not closing: there is no balance to convert into a voucher.',
      },
    });
    const voucher = await answerPosRequest(pos, ask('voucherCheck', { code: 'ABCD-EFGH-JKMN-PQRS-TVWX' }));
    expect(voucher.ok && voucher.result).toEqual({
      ok: false,
      reason: 'VOUCHER_CODE_INVALID',
      message: 'The voucher code has a typo: its check character does not match. Check each character.',
    });
  });

  it("for refused calls: the engine's code with its sentence and issues", async () => {
    const pos = posEngineOf(await offlineTill());
    const unknown = await answerPosRequest(
      pos,
      ask('burn', { memberId: memberId(7), what: { type: 'points', points: 5 } }),
    );
    expect(unknown).toEqual({
      id: unknown.id,
      ok: false,
      error: { code: 'UNKNOWN_MEMBER', message: 'This member is not held at this till.', issues: [] },
    });
    const t = await offlineTill();
    const bad: unknown = await t.engine.enrol({ card: '3000-0001', name: '  ' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'BAD_INPUT', data: { what: 'enrolment' } });
    expect(errorSentence(bad)).toMatch(/^invalid enrolment: name/);
  });
});

describe('the sentences for codes that carry data', () => {
  it('words a PIN lockout with its seconds and a database of another till with its till and store', () => {
    expect(errorSentence(new TillError('PIN_LOCKED', { retryInSeconds: 42 }))).toBe(
      'Too many wrong PINs: try again in 42 s.',
    );
    expect(errorSentence(new TillError('WRONG_TILL', { heldBy: { tillId: 'till-9', storeId: 'store-2' } }))).toBe(
      'This database belongs to till till-9 of store store-2.',
    );
    expect(errorSentence(new TillError('WRONG_TILL'))).toBe('Only ops of this till can be voided here.');
  });

  it("words a ledger's refusal with the protocol's sentence, and a voucher redeemed before with when and where", () => {
    expect(burnRefusalSentence('INSUFFICIENT_POINTS')).toBe(errorMessages.INSUFFICIENT_POINTS);
    const voucher = {
      code: 'ABCD-EFGH-JKMN-PQRS-TVWX',
      valueCents: 1_250,
      currency: 'GBP',
      issuedAt: 0,
      validUntil: 1,
      redeemedAt: Date.UTC(2025, 2, 10, 9, 0),
      redeemedBy: 'store-1/till-1',
    };
    expect(voucherRefusalSentence({ ok: false, reason: 'VOUCHER_REDEEMED', voucher })).toMatch(
      /^This gift voucher was already redeemed on 10 Mar 2025, \d\d:\d\d \(store-1\/till-1\)\.$/,
    );
    expect(voucherRefusalSentence({ ok: false, reason: 'VOUCHER_REDEEMED' })).toBe(errorMessages.VOUCHER_REDEEMED);
  });
});
