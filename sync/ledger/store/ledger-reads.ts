/**
 * Reads of what the group path wrote (ops, conflicts, events, lots) for reports, jobs and audits, outside any
 * group's transaction.
 */
import { sql } from 'kysely';
import { consentStore } from './consents.ts';
import type { LoyaltyEvent } from '../../loyalty/events.ts';
import { fefoCompare } from '../../loyalty/lots.ts';
import type { MemberId, OpId, Points, StoreId, TillId } from '../../loyalty/units.ts';
import type { StoreCtx } from './context.ts';
import { toConflict, toEvent, toLot, toOp } from './rows.ts';
import type { ConflictRecord, LedgerStore, LotRecord, StoredOp } from './types.ts';

/** The store's reads of ops and their effects. */
export type LedgerReads = Pick<
  LedgerStore,
  | 'getOp'
  | 'listOps'
  | 'listConflicts'
  | 'listEvents'
  | 'membersWithExpiringLots'
  | 'lotsOf'
  | 'expiringLotsOf'
  | 'totals'
>;

export class KyselyLedgerReads implements LedgerReads {
  readonly #ctx: StoreCtx;

  constructor(ctx: StoreCtx) {
    this.#ctx = ctx;
  }

  async getOp(opId: OpId): Promise<StoredOp | undefined> {
    const row = await this.#ctx.plain().selectFrom('ops').selectAll().where('op_id', '=', opId).executeTakeFirst();
    return row && toOp(row);
  }

  async listOps(tillId?: TillId): Promise<StoredOp[]> {
    let q = this.#ctx.plain().selectFrom('ops').selectAll().orderBy('till_id').orderBy('seq');
    if (tillId !== undefined) q = q.where('till_id', '=', tillId);
    return (await q.execute()).map(toOp);
  }

  async listConflicts(filter?: { storeId?: StoreId; status?: ConflictRecord['status'] }): Promise<ConflictRecord[]> {
    let q = this.#ctx.plain().selectFrom('conflicts').selectAll().orderBy('created_at').orderBy('conflict_id');
    if (filter?.storeId !== undefined) q = q.where('store_id', '=', filter.storeId);
    if (filter?.status !== undefined) q = q.where('status', '=', filter.status);
    return (await q.execute()).map(toConflict);
  }

  async listEvents(cursor: number, limit: number): Promise<LoyaltyEvent[]> {
    const rows = await this.#ctx
      .plain()
      .selectFrom('events')
      .selectAll()
      .where('event_seq', '>', cursor)
      .orderBy('event_seq')
      .limit(limit)
      .execute();
    const events = rows.map(toEvent);
    const members = events.flatMap((e) => (e.memberId === null ? [] : [e.memberId as MemberId]));
    if (members.length === 0) return events;
    const consent = await consentStore(this.#ctx).states(members);
    return events.map((e) => {
      const state = e.memberId === null ? undefined : consent.get(e.memberId as MemberId);
      return state ? { ...e, consent: state } : e;
    });
  }

  async membersWithExpiringLots(asOf: number, limit: number, after?: MemberId): Promise<MemberId[]> {
    let q = this.#ctx
      .plain()
      .selectFrom('lots')
      .select('member_id')
      .distinct()
      .where('expires_at', '<=', asOf)
      .where('points', '>', 0 as Points)
      .orderBy('member_id')
      .limit(limit);
    if (after !== undefined) q = q.where('member_id', '>', after);
    return (await q.execute()).map((r) => r.member_id);
  }

  async lotsOf(memberId: MemberId): Promise<LotRecord[]> {
    const rows = await this.#ctx.plain().selectFrom('lots').selectAll().where('member_id', '=', memberId).execute();
    return rows.map(toLot).sort(fefoCompare);
  }

  async expiringLotsOf(memberIds: readonly MemberId[]): Promise<Map<MemberId, LotRecord[]>> {
    const out = new Map<MemberId, LotRecord[]>();
    if (memberIds.length === 0) return out;
    const rows = await this.#ctx
      .plain()
      .selectFrom('lots')
      .selectAll()
      .where('member_id', 'in', [...memberIds])
      .where('points', '>', 0 as Points)
      .where('expires_at', 'is not', null)
      .execute();
    for (const r of rows) out.set(r.member_id, [...(out.get(r.member_id) ?? []), toLot(r)]);
    return out;
  }

  /** One statement, so one snapshot on both dialects even while groups commit. Deltas of rejected ops are null. */
  async totals(): Promise<{ balances: number; opening: number; deltas: number; ops: number }> {
    const { rows } = await sql<{ balances: number; opening: number; deltas: number; ops: number }>`
      select
        (select coalesce(sum(balance), 0) from members) as balances,
        (select coalesce(sum(opening_balance), 0) from members) as opening,
        (select coalesce(sum(delta), 0) from ops) as deltas,
        (select count(*) from ops) as ops`.execute(this.#ctx.plain());
    const row = rows[0];
    if (!row) throw new Error('totals: no row');
    return row;
  }
}
