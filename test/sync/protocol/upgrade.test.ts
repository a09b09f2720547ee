/**
 * Protocol versions: the ledger speaks 1 to PROTOCOL_VERSION (3); ops sent under an older version upgrade to the same
 * op (steps 1→2 and 2→3 change no field), and what version 3 added (the `refund` op kind, the `findSale` request) is
 * not an older till's to send: its refund is read as unreadable (OP_INVALID, alone), its findSale is UNKNOWN_EVENT.
 */
import { describe, expect, it } from 'vitest';
import { readPush } from '../../../sync/ledger/push-reading.ts';
import type { RefundOp } from '../../../sync/loyalty/ops.ts';
import type { Cents, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '../../../sync/protocol/messages.ts';
import {
  eventInVersion,
  kindInVersion,
  resultsForVersion,
  speaksVersion,
  upgradeOp,
} from '../../../sync/protocol/upgrade.ts';
import type { OpResult } from '../../../sync/protocol/messages.ts';
import { OpMaker } from '../../support/ops.ts';

const A1 = { tillId: 'a1' as TillId, storeId: 'store-a' as StoreId, token: 'x'.repeat(43) };
const MEMBER = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';

describe('protocol versions', () => {
  it('speaks 1 to 3, and nothing else', () => {
    expect(PROTOCOL_VERSION).toBe(3);
    expect(MIN_PROTOCOL_VERSION).toBe(1);
    expect([0, 1, 2, 3, 4, 2.5].map(speaksVersion)).toEqual([false, true, true, true, false, false]);
  });

  it('upgrades an op of version 1 or 2 to the same op (no field changed)', () => {
    const earn = new OpMaker(A1).earn(MEMBER, 1_000);
    expect(upgradeOp(earn, 1)).toEqual(earn);
    expect(upgradeOp(earn, 2)).toEqual(earn);
    expect(upgradeOp(earn, 3)).toBe(earn);
  });

  it('refunds and findSale from version 3 on; earlier kinds and requests from any version', () => {
    expect([1, 2, 3].map((v) => kindInVersion('refund', v))).toEqual([false, false, true]);
    expect([1, 2, 3].map((v) => kindInVersion('earn', v))).toEqual([true, true, true]);
    expect([1, 2, 3].map((v) => eventInVersion('findSale', v))).toEqual([false, false, true]);
    // hello and history (version 2) were always answered to any version, and still are.
    expect([1, 2, 3].map((v) => eventInVersion('hello', v))).toEqual([true, true, true]);
  });

  it('consent ops from version 3 on: an older till cannot have made one', () => {
    expect([1, 2, 3].map((v) => kindInVersion('consent', v))).toEqual([false, false, true]);
  });

  it('words refusal codes of version 3 as UNKNOWN_MEMBER to an older till, and leaves every other result alone', () => {
    const base = { seq: 1, duplicate: false } as const;
    const results = [
      { ...base, opId: 'a', outcome: { status: 'rejected', code: 'MEMBER_ERASED' } },
      { ...base, opId: 'b', outcome: { status: 'rejected', code: 'MEMBER_MERGED' } },
      { ...base, opId: 'c', outcome: { status: 'rejected', code: 'INSUFFICIENT_POINTS' } },
      { ...base, opId: 'd', outcome: { status: 'applied', delta: 5 } },
    ] as unknown as OpResult[];
    const codes = (rs: OpResult[]) => rs.map((r) => (r.outcome.status === 'rejected' ? r.outcome.code : 'applied'));
    expect(codes(resultsForVersion(results, 2))).toEqual([
      'UNKNOWN_MEMBER',
      'UNKNOWN_MEMBER',
      'INSUFFICIENT_POINTS',
      'applied',
    ]);
    expect(codes(resultsForVersion(results, 3))).toEqual([
      'MEMBER_ERASED',
      'MEMBER_MERGED',
      'INSUFFICIENT_POINTS',
      'applied',
    ]);
  });

  it('reads a refund sent under version 2 as unreadable, alone; under version 3 as a refund', () => {
    const ops = new OpMaker(A1);
    const earn = ops.earn(MEMBER, 1_000);
    const refund = {
      ...ops.void(earn),
      kind: 'refund',
      what: { by: 'amount', amountCents: 100 as Cents },
    } as RefundOp;
    const v2 = readPush({ ops: [earn, refund], sentAt: 1 }, 2);
    expect(v2.ops.map((o) => o.opId)).toEqual([earn.opId]);
    expect(v2.unreadable).toMatchObject([{ opId: refund.opId, seq: refund.seq, code: 'OP_INVALID' }]);
    const v3 = readPush({ ops: [earn, refund], sentAt: 1 }, 3);
    expect(v3.ops.map((o) => o.kind)).toEqual(['earn', 'refund']);
    expect(v3.unreadable).toEqual([]);
  });
});
