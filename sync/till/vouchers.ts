/**
 * Gift vouchers presented at the till: checked and redeemed online only (a voucher is a bearer instrument; two tills
 * deciding offline could both accept it). A redemption whose answer was lost is remembered with its id, so that
 * trying again is recognised by the ledger as the same redemption and not refused as a second one.
 */
import { checkVoucherCode } from '../loyalty/closing.ts';
import type { VoucherCheckRequest, VoucherRedeemRequest, VoucherResponse, VoucherView } from '../protocol/messages.ts';
import type { Clock, IdMaker } from './clock.ts';
import { getMeta, setMeta, type TillDb, type VoucherRedemptionRow } from './db.ts';

/** What the till asks the ledger about a voucher. */
export type VoucherLinkRequest =
  ({ kind: 'check' } & VoucherCheckRequest) | ({ kind: 'redeem' } & VoucherRedeemRequest);

/** How long the cashier waits for the ledger's answer on a voucher. */
export const VOUCHER_DEADLINE_MS = 5_000;
/** Redemptions this till keeps for the manager's list (pending ones are never dropped). */
const KEEP_REDEMPTIONS = 200;

export type VoucherRefusal =
  | 'VOUCHER_CODE_INVALID'
  | 'VOUCHER_UNKNOWN'
  | 'VOUCHER_EXPIRED'
  | 'VOUCHER_REDEEMED'
  | 'OFFLINE'
  | 'NO_ANSWER'
  | 'LEDGER_ERROR';

/**
 * A check or redemption: the voucher as the ledger holds it, or why not, as a code the renderer words: `typo` when a
 * code's check character is wrong, `voucher` when the ledger said (a redeemed one: when and where),
 * `ledgerMessage` with LEDGER_ERROR.
 */
export type VoucherResult =
  | { ok: true; voucher: VoucherView; duplicate: boolean }
  | { ok: false; reason: 'VOUCHER_CODE_INVALID'; typo: boolean }
  | { ok: false; reason: 'VOUCHER_REDEEMED'; voucher?: VoucherView }
  | { ok: false; reason: 'VOUCHER_UNKNOWN' | 'VOUCHER_EXPIRED' | 'OFFLINE' | 'NO_ANSWER' }
  | { ok: false; reason: 'LEDGER_ERROR'; ledgerMessage: string };

export interface VoucherDeskDeps {
  db: TillDb;
  clock: Clock;
  newId: IdMaker;
  ask(req: VoucherLinkRequest, deadlineMs: number): Promise<VoucherResponse | 'offline' | 'timeout'>;
}

/** Checks and redeems gift vouchers for the cashier, remembering unanswered redemptions across reloads. */
export class VoucherDesk {
  constructor(private readonly deps: VoucherDeskDeps) {}

  /** The voucher's value and state, without redeeming it. */
  async check(typed: string): Promise<VoucherResult> {
    const c = checkVoucherCode(typed);
    if (!c.ok) return { ok: false, reason: 'VOUCHER_CODE_INVALID', typo: c.reason === 'CHECK' };
    return this.answer(await this.deps.ask({ kind: 'check', code: c.code }, VOUCHER_DEADLINE_MS));
  }

  /** Redeems the voucher once; only `ok: true` means the customer may pay with it. */
  async redeem(typed: string, receiptRef?: string): Promise<VoucherResult> {
    const c = checkVoucherCode(typed);
    if (!c.ok) return { ok: false, reason: 'VOUCHER_CODE_INVALID', typo: c.reason === 'CHECK' };
    const code = c.code;
    const { db, clock, newId } = this.deps;
    // Reuse the id of an unanswered attempt at this voucher: the ledger then knows a retry from a second redemption.
    const row = await db.transaction('rw', db.meta, async () => {
      const rows = (await getMeta(db, 'voucherRedemptions')) ?? [];
      // The same receipt asking again (a POS retrying after its own timeout) is the same redemption too.
      const open = rows.find(
        (r) => r.code === code && (r.state === 'pending' || (receiptRef !== undefined && r.receiptRef === receiptRef)),
      );
      if (open) return open;
      const fresh: VoucherRedemptionRow = {
        code,
        redemptionId: newId(),
        startedAt: clock.now(),
        state: 'pending',
        ...(receiptRef !== undefined ? { receiptRef } : {}),
      };
      await setMeta(db, 'voucherRedemptions', trim([fresh, ...rows]));
      return fresh;
    });
    const res = await this.deps.ask(
      {
        kind: 'redeem',
        code,
        redemptionId: row.redemptionId,
        ...(row.receiptRef !== undefined ? { receiptRef: row.receiptRef } : {}),
      },
      VOUCHER_DEADLINE_MS,
    );
    const result = this.answer(res);
    // No definitive answer: the attempt stays pending, and the next try sends the same id.
    if (
      !result.ok &&
      (result.reason === 'OFFLINE' || result.reason === 'NO_ANSWER' || result.reason === 'LEDGER_ERROR')
    )
      return result;
    await this.settle(row.redemptionId, result);
    if (!result.ok && result.reason === 'VOUCHER_REDEEMED') {
      // Say when and where, so that the cashier can tell a voucher used before from this sale's own retry.
      const seen = await this.check(code);
      if (seen.ok && seen.voucher.redeemedAt !== null) return { ...result, voucher: seen.voucher };
    }
    return result;
  }

  /** Redemptions made at this till, newest first: pending ones (no answer yet) and redeemed ones. */
  async redemptions(): Promise<VoucherRedemptionRow[]> {
    return (await getMeta(this.deps.db, 'voucherRedemptions')) ?? [];
  }

  private async settle(redemptionId: string, result: VoucherResult): Promise<void> {
    const { db, clock } = this.deps;
    await db.transaction('rw', db.meta, async () => {
      const rows = (await getMeta(db, 'voucherRedemptions')) ?? [];
      const next = rows.flatMap((r): VoucherRedemptionRow[] => {
        if (r.redemptionId !== redemptionId) return [r];
        // A refused attempt leaves no trace: nothing was taken.
        if (!result.ok) return [];
        return [
          {
            ...r,
            state: 'redeemed',
            answeredAt: clock.now(),
            valueCents: result.voucher.valueCents,
            currency: result.voucher.currency,
          },
        ];
      });
      await setMeta(db, 'voucherRedemptions', next);
    });
  }

  private answer(res: VoucherResponse | 'offline' | 'timeout'): VoucherResult {
    if (res === 'offline') return { ok: false, reason: 'OFFLINE' };
    if (res === 'timeout') return { ok: false, reason: 'NO_ANSWER' };
    if (res.ok) return { ok: true, voucher: res.voucher, duplicate: res.duplicate ?? false };
    const code = res.error.code;
    if (code === 'VOUCHER_CODE_INVALID') return { ok: false, reason: code, typo: false };
    if (code === 'VOUCHER_UNKNOWN' || code === 'VOUCHER_EXPIRED' || code === 'VOUCHER_REDEEMED')
      return { ok: false, reason: code };
    return { ok: false, reason: 'LEDGER_ERROR', ledgerMessage: res.error.message };
  }
}

/** Keeps every pending row and the newest settled ones. */
function trim(rows: VoucherRedemptionRow[]): VoucherRedemptionRow[] {
  let settled = 0;
  return rows.filter((r) => r.state === 'pending' || ++settled <= KEEP_REDEMPTIONS);
}
