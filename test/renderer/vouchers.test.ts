/** The manager's gift-voucher list: only a voucher the ledger issued shows its code and can be reprinted. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { makeVoucherCode } from '../../sync/loyalty/closing.ts';
import type { ConvertOp } from '../../sync/loyalty/ops.ts';
import type { Program } from '../../sync/loyalty/program.ts';
import type { Cents, MemberId, OpId, Points, StoreId, TillId } from '../../sync/loyalty/units.ts';
import type { OpRow } from '../../sync/till/db.ts';
import { RedemptionList, VoucherList, voucherStatus } from '../../renderer/VouchersPanel.tsx';
import { testProgram } from '../sync/till/support/program.ts';

const AT = Date.UTC(2025, 2, 10, 9, 0, 0);
const MEMBER = '11111111-1111-4111-8111-000000000001' as MemberId;
const program: Program = testProgram({
  version: 2,
  closing: { earnUntil: AT, burnDeadline: AT + 30 * 86_400_000, conversionPct: 120, voucherValidDays: 30 },
});

function convertRow(seq: number, over: Partial<OpRow> = {}): OpRow {
  const op: ConvertOp = {
    opId: `0190000${seq}-0000-7000-8000-000000000001` as OpId,
    tillId: 'till-1' as TillId,
    storeId: 'store-1' as StoreId,
    seq,
    memberId: MEMBER,
    at: AT,
    programVersion: 2,
    kind: 'convert',
    points: 1_000 as Points,
    valueCents: 1_200 as Cents,
    voucherCode: makeVoucherCode(new Uint8Array(12).fill(seq)),
  };
  return {
    opId: op.opId,
    seq,
    memberId: MEMBER,
    op,
    status: 'pending',
    estDelta: -1_000,
    mode: 'online',
    createdAt: AT,
    ...over,
  };
}

const issued = convertRow(3, { status: 'applied', outcome: { status: 'applied', delta: -1_000 as Points } });
const waiting = convertRow(2, { authTimedOut: true });
const refused = convertRow(1, { status: 'rejected', outcome: { status: 'rejected', code: 'BALANCE_CHANGED' } });
const codeOf = (r: OpRow): string => (r.op.kind === 'convert' ? r.op.voucherCode : '');

function render(reprint: OpRow | null = null): string {
  return renderToStaticMarkup(
    createElement(VoucherList, {
      rows: [issued, waiting, refused],
      program,
      names: new Map([[MEMBER, 'Ada']]),
      reprint,
      onReprint: () => undefined,
    }),
  );
}

describe("the manager's gift vouchers", () => {
  it('tells issued, waiting and refused conversions apart', () => {
    expect(voucherStatus(issued).tone).toBe('issued');
    expect(voucherStatus(waiting)).toEqual({
      tone: 'pending',
      label: 'no answer yet: not given to the member; shown here once the ledger applies it',
    });
    expect(voucherStatus(convertRow(4))).toMatchObject({ tone: 'pending', label: 'waiting for the ledger' });
    expect(voucherStatus(refused).label).toMatch(/^refused: The member's balance changed/);
  });

  it('shows the code and a reprint button only for the voucher the ledger issued', () => {
    const html = render();
    expect(html).toContain(codeOf(issued));
    expect(html).not.toContain(codeOf(waiting));
    expect(html).not.toContain(codeOf(refused));
    expect(html.match(/Reprint voucher of op/g)).toHaveLength(1);
    expect(html).toContain('£12.00');
    expect(html).toContain('Ada');
  });

  it('prints the reprint with the code, the value and the last valid day', () => {
    const html = render(issued);
    const pre = /<pre[^>]*data-testid="voucher-reprint"[^>]*>([\s\S]*?)<\/pre>/.exec(html)?.[1] ?? '';
    expect(pre).toContain('GIFT VOUCHER');
    expect(pre).toContain(codeOf(issued));
    expect(pre).toMatch(/Value +£12\.00/);
    expect(pre).toMatch(/Valid until +9 April 2025/);
  });
});

describe("the manager's vouchers taken as payment", () => {
  it('shows redeemed ones with their value and receipt, and unanswered ones as not accepted', () => {
    const done = makeVoucherCode(new Uint8Array(12).fill(20));
    const open = makeVoucherCode(new Uint8Array(12).fill(21));
    const html = renderToStaticMarkup(
      createElement(RedemptionList, {
        rows: [
          { code: open, redemptionId: 'r2', startedAt: AT + 60_000, state: 'pending' },
          {
            code: done,
            redemptionId: 'r1',
            receiptRef: 'R-12',
            startedAt: AT,
            answeredAt: AT + 1_000,
            state: 'redeemed',
            valueCents: 2_400,
            currency: 'GBP',
          },
        ],
      }),
    );
    const rows = html.split('<tr').slice(2);
    expect(rows[0]).toContain(open);
    expect(rows[0]).toContain('data-status="pending"');
    expect(rows[0]).toContain('no answer yet: not accepted; try again at F1');
    expect(rows[1]).toContain(done);
    expect(rows[1]).toContain('£24.00');
    expect(rows[1]).toContain('R-12');
    expect(rows[1]).toContain('redeemed, confirmed by the ledger');
  });
});
