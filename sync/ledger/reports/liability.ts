/**
 * The IFRS 15 liability report read from the ledger: point movements aggregated in SQL (by month and kind, never op
 * by op), the outstanding lots by expiry month, and the arithmetic of `sync/loyalty/liability.ts`.
 *
 * Movements, dated when they took effect (`ops.at`: the till's time corrected for skew, so an offline sale counts in
 * the month it was made, not the month the ledger heard of it; imports at the member's `created_at`), each signed so that
 * their sum is the sum of the ops' deltas, and so opening + movements = Σ balances:
 *   opening balance → issued · earn → issued · void of an earn → issued (−) · burn (applied or conflict) → redeemed
 *   void of a burn → redeemed (−) · expire → expired · convert → converted · adjust, resolve (write-off) → adjusted
 * A void is told apart by the sign of its delta (an earn's delta is ≥ 0, a burn's < 0), so no join is needed.
 *
 * Outstanding by expiry comes from the lots table as it stands when the report runs (lots keep no history), plus the
 * never-expiring pool Σ max(balance, 0) − Σ lots; negative balances are a receivable, not part of the liability.
 *
 * The vouchers a closing converted points into are owed at face value: read grouped from the vouchers table as they
 * stand at the period's end (issued, redeemed, expired unredeemed, outstanding by expiry month; the premium valued at
 * the newest program's tender value), reconciled with the table's own totals.
 */
import { tenderValue } from '../../loyalty/burn.ts';
import { monthKeyUtc, startOfNextMonthUtc } from '../../loyalty/calendar.ts';
import {
  liabilityReport,
  movementOfOp,
  type LiabilityReport,
  type Movement,
  type MovementKind,
  type PointTotals,
} from '../../loyalty/liability.ts';
import { isOpKind } from '../../loyalty/ops.ts';
import {
  voucherLiability,
  voucherLiabilityReconciles,
  type VoucherLiability,
  type VoucherTableTotal,
} from '../../loyalty/voucher-liability.ts';
import type { Program } from '../../loyalty/program.ts';
import type { Cents, Points } from '../../loyalty/units.ts';
import { CodedError } from '../../protocol/errors.ts';
import type { LedgerStore } from '../store/types.ts';

const DAY = 86_400_000;
/** Most months a period may span: the month buckets are one SQL CASE branch each. */
export const MAX_PERIOD_MONTHS = 1_200;

export interface LiabilityQuery {
  /** Start of the period (inclusive), epoch ms. */
  from: number;
  /** End of the period (exclusive), epoch ms. */
  to: number;
  /** Expected redemption rate in basis points; default: estimated from the history (liability.ts). */
  redemptionRateBp?: number | undefined;
}

export interface MonthMovements {
  /** `YYYY-MM` (UTC); the first and last months may be partial when the period is. */
  month: string;
  totals: PointTotals;
}

export interface LedgerLiabilityReport {
  program: { version: number; name: string; currency: string };
  report: LiabilityReport;
  /** The period's movements month by month, in date order; they add up to `report.points`. */
  byMonth: MonthMovements[];
  /** Overdrawn balances (offline burns beyond the balance): owed by members, outside the liability. */
  receivable: { points: number; members: number; tenderCents: Cents };
  ledger: {
    /** Σ balances now. */
    balances: number;
    /** The latest movement recorded (op applied or member imported), or null on an empty ledger. */
    lastMovementAt: number | null;
    /** When the lots behind `report.outstandingByExpiry` were read. */
    lotsReadAt: number;
  };
  /**
   * The gift vouchers owed instead of points (sync/loyalty/voucher-liability.ts), per currency, with the vouchers
   * table's own totals and whether the two agree (always known: vouchers carry their whole history).
   */
  vouchers: { byCurrency: VoucherLiability[]; table: VoucherTableTotal[]; reconciled: boolean };
  /**
   * Whether closing outstanding = Σ balances, known only when the period ends after the last movement (otherwise
   * later movements separate the two and nothing can be checked).
   */
  reconciled: boolean | undefined;
}

/** First instants of the months after `from`'s, up to `to` (exclusive): the period's month boundaries. */
export function monthStarts(from: number, to: number): number[] {
  const starts: number[] = [];
  for (let m = startOfNextMonthUtc(from); m < to; m = startOfNextMonthUtc(m)) {
    starts.push(m);
    if (starts.length >= MAX_PERIOD_MONTHS)
      throw new CodedError('BAD_ARGUMENT', `a period spans at most ${MAX_PERIOD_MONTHS} months.`);
  }
  return starts;
}

/** The liability movement of an op's summed deltas; `sign` is that of the deltas (it tells a void's target). */
function movementOf(kind: string, sign: number, delta: number): { kind: MovementKind; points: number } {
  // A kind this code does not know still moves balances: `adjusted`, so the report still reconciles to them.
  return isOpKind(kind) ? movementOfOp(kind, sign, delta) : { kind: 'adjusted', points: delta };
}

const zeroTotals = (): PointTotals => ({ issued: 0, redeemed: 0, expired: 0, converted: 0, adjusted: 0 });

/**
 * The movements up to `to`, aggregated: one movement per kind before the period (dated `from − 1`) and per kind and
 * month within it (dated at the month's start, the first at `from`). Exact for every total the report takes (before
 * `from`, within [from, to)), while the rows read stay bounded by months × kinds, not by ops.
 */
export async function readMovements(
  store: LedgerStore,
  from: number,
  to: number,
): Promise<{ movements: Movement[]; byMonth: MonthMovements[]; lastMovementAt: number | null }> {
  const starts = monthStarts(from, to);
  const bucketAt = [from, ...starts];
  const sums = await store.reports.movementSums(from, starts, to);
  const lastAts = [sums.lastOpAt, sums.lastImportAt].filter((v) => v !== null);

  const movements: Movement[] = [];
  const months = starts.length + 1;
  const byMonth: MonthMovements[] = bucketAt.map((at) => ({ month: monthKeyUtc(at), totals: zeroTotals() }));
  const add = (bucket: number, kind: MovementKind, points: number) => {
    if (points === 0) return;
    if (bucket < 0) {
      movements.push({ at: from - 1, kind, points });
      return;
    }
    const m = byMonth[Math.min(bucket, months - 1)];
    if (!m) throw new Error(`no month bucket ${bucket}`);
    m.totals[kind] += points;
    movements.push({ at: bucketAt[bucket] ?? from, kind, points });
  };
  for (const r of sums.ops) {
    const mv = movementOf(r.kind, r.sign, r.points);
    add(r.bucket, mv.kind, mv.points);
  }
  for (const r of sums.openings) add(r.bucket, 'issued', r.points);
  return { movements, byMonth, lastMovementAt: lastAts.length > 0 ? Math.max(...lastAts) : null };
}

/**
 * Points outstanding by expiry as the lots stand now: lots with points, summed by the day they stop being usable
 * (bounded by days, not lots), and the never-expiring pool; plus the overdrawn balances.
 */
export async function readOutstanding(store: LedgerStore): Promise<{
  lots: { expiresAt: number | null; points: Points }[];
  balances: number;
  receivable: { points: number; members: number };
}> {
  const sums = await store.reports.outstandingSums();

  const lots: { expiresAt: number | null; points: Points }[] = [];
  let inLots = 0;
  for (const r of sums.lotDays) {
    const points = r.points;
    inLots += points;
    // Back to an instant within the last usable day, which liability.ts buckets by `expiresAt − 1`.
    lots.push({ expiresAt: r.day === null ? null : r.day * DAY + 1, points: points as Points });
  }
  const pool = sums.positive - inLots;
  if (pool !== 0) lots.push({ expiresAt: null, points: pool as Points });
  return {
    lots,
    balances: sums.balances,
    receivable: { points: -sums.negative, members: sums.overdrawn },
  };
}

/** The report for [from, to) under the newest program version. */
export async function buildLiabilityReport(
  store: LedgerStore,
  query: LiabilityQuery,
  now: number = Date.now(),
): Promise<LedgerLiabilityReport> {
  const { from, to } = query;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || !(to > from))
    throw new CodedError('BAD_ARGUMENT', 'a period must end after it starts.');
  const program: Program | undefined = await store.latestProgram();
  if (!program) throw new CodedError('NO_PROGRAM', 'no program yet: set one with "ledger program set FILE.json".');

  const { movements, byMonth, lastMovementAt } = await readMovements(store, from, to);
  const outstanding = await readOutstanding(store);
  const report = liabilityReport(program, movements, outstanding.lots, {
    from,
    to,
    ...(query.redemptionRateBp !== undefined ? { redemptionRateBp: query.redemptionRateBp } : {}),
  });
  const vouchers = await store.reports.voucherSums(from, to, program.tenderCentsPer100Points);
  const byCurrency = voucherLiability(vouchers.groups, from, to);
  const settled = lastMovementAt === null || to > lastMovementAt;
  return {
    program: { version: program.version, name: program.name, currency: program.currency },
    report,
    byMonth,
    receivable: {
      ...outstanding.receivable,
      tenderCents: tenderValue(program, outstanding.receivable.points as Points),
    },
    ledger: { balances: outstanding.balances, lastMovementAt, lotsReadAt: now },
    vouchers: {
      byCurrency,
      table: vouchers.table,
      reconciled: voucherLiabilityReconciles(byCurrency, vouchers.table),
    },
    reconciled: settled ? report.points.closing === outstanding.balances : undefined,
  };
}
