/** `ConsentStore` on a Kysely handle, and the rows of consent records, the same on SQLite and PostgreSQL. */
import type { Kysely, Selectable } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import {
  CONSENT_CHANNELS,
  consentState,
  type ConsentChannel,
  type ConsentRecord,
  type ConsentState,
} from '../../loyalty/consent.ts';
import type { MemberId } from '../../loyalty/units.ts';
import { chunks, type StoreCtx } from './context.ts';
import type { ConsentStore } from './interfaces/consents.ts';
import type { Database, MemberConsentsTable } from './schema.ts';
import { MEMBER_CONSENTS, rowsPerStatement } from './tables.ts';

/** The row of a record: a till's change is keyed by its op and channel (so a replayed op cannot add it twice). */
export function consentRow(r: ConsentRecord, recordedAt: number): MemberConsentsTable {
  return {
    consent_id: r.opId === null ? uuidv7() : `${r.opId}:${r.channel}`,
    member_id: r.memberId,
    channel: r.channel,
    given: r.given ? 1 : 0,
    at: r.at,
    place: r.place,
    method: r.method,
    op_id: r.opId,
    recorded_at: recordedAt,
  };
}

export function toConsent(r: Selectable<MemberConsentsTable>): ConsentRecord {
  return {
    memberId: r.member_id as MemberId,
    channel: r.channel as ConsentRecord['channel'],
    given: Number(r.given) === 1,
    at: Number(r.at),
    place: r.place,
    method: r.method as ConsentRecord['method'],
    opId: r.op_id,
  };
}

/** Inserts consent records in `db` (the caller's transaction), chunked under the parameter limit. */
export async function insertConsents(
  db: Kysely<Database>,
  records: readonly ConsentRecord[],
  recordedAt: number,
  maxParams: number,
): Promise<void> {
  const rows = records.map((r) => consentRow(r, recordedAt));
  for (const part of chunks(rows, rowsPerStatement(maxParams, MEMBER_CONSENTS))) {
    await db.insertInto('member_consents').values(part).execute();
  }
}

/** Rows in the order they were recorded: by time, then by the ledger's recording time, then in channel order. */
function ordered(rows: Selectable<MemberConsentsTable>[]): ConsentRecord[] {
  const key = (r: Selectable<MemberConsentsTable>) =>
    [Number(r.at), Number(r.recorded_at), CONSENT_CHANNELS.indexOf(r.channel as ConsentChannel)] as const;
  return rows
    .map((r) => ({ r, k: key(r) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.k[2] - b.k[2])
    .map(({ r }) => toConsent(r));
}

/** The consent store on the store's context (its handle refuses calls from inside a transaction). */
export function consentStore(ctx: StoreCtx): ConsentStore {
  const db = () => ctx.plain();
  const { maxParams } = ctx.writer;
  return {
    async record(records) {
      if (records.length === 0) return;
      await ctx.atomic(async (tx) => {
        const ids = [...new Set(records.map((r) => r.memberId))];
        const found = await tx.selectFrom('members').select('member_id').where('member_id', 'in', ids).execute();
        const missing = ids.filter((id) => !found.some((f) => f.member_id === id));
        if (missing.length > 0) throw new Error(`no member ${missing.join(', ')}`);
        await insertConsents(tx, records, ctx.now(), maxParams);
      });
    },

    async history(memberId) {
      return ordered(await db().selectFrom('member_consents').selectAll().where('member_id', '=', memberId).execute());
    },

    async states(memberIds) {
      const out = new Map<MemberId, ConsentState>();
      const ids = [...new Set(memberIds)];
      const byMember = new Map<MemberId, ConsentRecord[]>();
      for (const part of chunks(ids, maxParams)) {
        if (part.length === 0) continue;
        const rows = await db().selectFrom('member_consents').selectAll().where('member_id', 'in', part).execute();
        for (const r of ordered(rows)) {
          const list = byMember.get(r.memberId) ?? [];
          list.push(r);
          byMember.set(r.memberId, list);
        }
      }
      for (const id of ids) out.set(id, consentState(byMember.get(id) ?? []));
      return out;
    },
  };
}
