/** `LifecycleReads` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import type { SentReminder } from '../../loyalty/expiry-reminders.ts';
import type { Lot } from '../../loyalty/lots.ts';
import type { Op } from '../../loyalty/ops.ts';
import type { MemberId, Points } from '../../loyalty/units.ts';
import type { LifecycleReads } from './interfaces/lifecycle.ts';
import { toLot } from './rows.ts';
import type { Database } from './schema.ts';

/** The lifecycle job's reads through `db()`, called afresh for every query. */
export function lifecycleReads(db: () => Kysely<Database>): LifecycleReads {
  return {
    async birthdaysToldSince(memberIds, since) {
      const told = new Set<MemberId>();
      if (memberIds.length === 0) return told;
      const rows = await db()
        .selectFrom('events')
        .select('member_id')
        .where('type', '=', 'birthday')
        .where('member_id', 'in', [...memberIds])
        .where('at', '>=', since)
        .execute();
      for (const r of rows) if (r.member_id) told.add(r.member_id as MemberId);
      return told;
    },

    async tierOps(memberIds) {
      if (memberIds.length === 0) return [];
      const rows = await db()
        .selectFrom('ops')
        .select(['member_id', 'op', 'delta', 'kind'])
        .where('member_id', 'in', [...memberIds])
        .where('kind', 'in', ['earn', 'void'])
        .where('delta', 'is not', null)
        .execute();
      return rows.map((r) => ({ memberId: r.member_id, op: JSON.parse(r.op) as Op, delta: r.delta }));
    },

    async lotsExpiringWithin(memberIds, after, until) {
      const lots = new Map<MemberId, Lot[]>();
      if (memberIds.length === 0) return lots;
      const rows = await db()
        .selectFrom('lots')
        .selectAll()
        .where('member_id', 'in', [...memberIds])
        .where('points', '>', 0 as Points)
        .where('expires_at', '>', after)
        .where('expires_at', '<=', until)
        .orderBy('lot_id')
        .execute();
      for (const r of rows) {
        const list = lots.get(r.member_id) ?? [];
        list.push(toLot(r));
        lots.set(r.member_id, list);
      }
      return lots;
    },

    async remindersSentSince(memberIds, since) {
      const sent = new Map<MemberId, SentReminder[]>();
      if (memberIds.length === 0) return sent;
      const rows = await db()
        .selectFrom('events')
        .select(['member_id', 'data'])
        .where('type', '=', 'points-expiring')
        .where('member_id', 'in', [...memberIds])
        .where('at', '>=', since)
        .execute();
      for (const r of rows) {
        if (!r.member_id) continue;
        const data = JSON.parse(r.data) as { lotIds?: unknown; daysBefore?: unknown };
        if (!Array.isArray(data.lotIds) || typeof data.daysBefore !== 'number') continue;
        const list = sent.get(r.member_id as MemberId) ?? [];
        for (const lotId of data.lotIds)
          if (typeof lotId === 'string') list.push({ lotId, daysBefore: data.daysBefore });
        sent.set(r.member_id as MemberId, list);
      }
      return sent;
    },
  };
}
