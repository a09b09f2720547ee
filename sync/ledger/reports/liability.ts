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
 */
import { sql, type Expression, type RawBuilder } from 'kysely';
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

/**
 * The bucket of an instant: −1 before the period, then 0 for the period's first month, 1 for the next, … The
 * bucket numbers are literals (not parameters) so PostgreSQL types the CASE as an integer.
 */
function bucketOf(column: Expression<number>, from: number, starts: readonly number[]): RawBuilder<number> {
  const whens = starts.map((s, i) => sql`when ${column} < ${s} then ${sql.lit(i)}`);
  return sql<number>`case when ${column} < ${from} then -1 ${sql.join(whens, sql` `)} else ${sql.lit(starts.length)} end`;
}

/** The liability movement of an op's summed deltas; `sign` is that of the deltas (it tells a void's target). */
function movementOf(kind: string, sign: number, delta: number): { kind: MovementKind; points: number } {
  // A kind this code does not know still moves balances: `adjusted`, so the report still reconciles to them.
  return isOpKind(kind) ? movementOfOp(kind, sign, delta) : { kind: 'adjusted', points: delta };
}

const zeroTotals = (): PointTotals => ({ issued: 0, redeemed: 0, expired: 0, converted: 0, adjusted: 0 });
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

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
  const db = store.kysely();
  // Rows from before migration 0003 have no `at`: the migration filled it from applied_at, coalesce is a safeguard.
  const effectiveAt = sql<number>`coalesce(at, applied_at)`;
  const starts = monthStarts(from, to);
  const bucketAt = [from, ...starts];

  const ops = await db
    .selectFrom((q) =>
      q
        .selectFrom('ops')
        .select([
          bucketOf(effectiveAt, from, starts).as('bucket'),
          'kind',
          sql<number>`case when delta < 0 then -1 else 1 end`.as('sign'),
          'delta',
        ])
        .where('delta', 'is not', null)
        .where('delta', '<>', 0 as Points)
        .where(effectiveAt, '<', to)
        .as('t'),
    )
    .select((eb) => ['t.bucket', 't.kind', 't.sign', eb.fn.sum<number>('t.delta').as('points')])
    .groupBy(['t.bucket', 't.kind', 't.sign'])
    .execute();

  const openings = await db
    .selectFrom((q) =>
      q
        .selectFrom('members')
        .select((eb) => [bucketOf(eb.ref('created_at'), from, starts).as('bucket'), 'opening_balance'])
        .where('opening_balance', '<>', 0 as Points)
        .where('created_at', '<', to)
        .as('m'),
    )
    .select((eb) => ['m.bucket', eb.fn.sum<number>('m.opening_balance').as('points')])
    .groupBy('m.bucket')
    .execute();

  const last = await db
    .selectFrom('ops')
    .select(sql<number | null>`max(coalesce(at, applied_at))`.as('at'))
    .where('delta', 'is not', null)
    .where('delta', '<>', 0 as Points)
    .executeTakeFirst();
  const lastImport = await db
    .selectFrom('members')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .where('opening_balance', '<>', 0 as Points)
    .executeTakeFirst();
  const lastAts = [last?.at, lastImport?.at].filter((v) => v !== null && v !== undefined).map(Number);

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
  for (const r of ops) {
    const mv = movementOf(r.kind, num(r.sign), num(r.points));
    add(num(r.bucket), mv.kind, mv.points);
  }
  for (const r of openings) add(num(r.bucket), 'issued', num(r.points));
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
  const db = store.kysely();
  // The lot's last usable day: (expires_at − 1) in whole days, integer division on both dialects.
  const lotDays = await db
    .selectFrom((q) =>
      q
        .selectFrom('lots')
        .select([sql<number | null>`(expires_at - 1) / ${sql.lit(DAY)}`.as('day'), 'points'])
        .where('points', '>', 0 as Points)
        .as('l'),
    )
    .select((eb) => ['l.day', eb.fn.sum<number>('l.points').as('points')])
    .groupBy('l.day')
    .execute();
  const sums = await db
    .selectFrom('members')
    .select((eb) => [
      eb.fn.sum<number>('balance').as('balances'),
      eb.fn.sum<number>(sql`case when balance > 0 then balance else 0 end`).as('positive'),
      eb.fn.sum<number>(sql`case when balance < 0 then balance else 0 end`).as('negative'),
      eb.fn.sum<number>(sql`case when balance < 0 then 1 else 0 end`).as('overdrawn'),
    ])
    .executeTakeFirst();

  const lots: { expiresAt: number | null; points: Points }[] = [];
  let inLots = 0;
  for (const r of lotDays) {
    const points = num(r.points);
    inLots += points;
    // Back to an instant within the last usable day, which liability.ts buckets by `expiresAt − 1`.
    lots.push({ expiresAt: r.day === null ? null : num(r.day) * DAY + 1, points: points as Points });
  }
  const pool = num(sums?.positive) - inLots;
  if (pool !== 0) lots.push({ expiresAt: null, points: pool as Points });
  return {
    lots,
    balances: num(sums?.balances),
    receivable: { points: -num(sums?.negative), members: num(sums?.overdrawn) },
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
    reconciled: settled ? report.points.closing === outstanding.balances : undefined,
  };
}
