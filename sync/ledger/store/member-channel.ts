/** `MemberChannelStore` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import { sql, type Kysely } from 'kysely';
import type { MemberId, OpId } from '../../loyalty/units.ts';
import { caseOf, chunks, lockCounter, setLedgerSeq, unique, type StoreCtx } from './context.ts';
import { lockKeysOf } from './group-locks.ts';
import {
  PORTAL_STORE,
  type EmailRecord,
  type EmailStatus,
  type MemberChannelStore,
} from './interfaces/member-channel.ts';
import type { Database } from './schema.ts';

/** Rows per statement (well under both dialects' parameter limits). */
const CHUNK = 500;

export function memberChannelStore(ctx: StoreCtx): MemberChannelStore {
  const db = () => ctx.plain();

  async function linksIn(conn: Kysely<Database>, ids: readonly MemberId[], version: number) {
    const found = new Map<MemberId, string>();
    if (ids.length === 0) return found;
    const rows = await conn
      .selectFrom('member_links')
      .select(['member_id', 'ref'])
      .where('program_version', '=', version)
      .where('member_id', 'in', ids)
      .execute();
    for (const r of rows) found.set(r.member_id, r.ref);
    return found;
  }

  async function linksOf(memberIds: readonly MemberId[], version: number): Promise<Map<MemberId, string>> {
    const found = new Map<MemberId, string>();
    for (const ids of chunks(memberIds, CHUNK))
      for (const [id, ref] of await linksIn(db(), ids, version)) found.set(id, ref);
    return found;
  }

  /**
   * One chunk of `ensureLinks`, in one transaction: the members' keys, then the counter (group-locks.ts), so that no
   * group writes these members meanwhile; the members given a reference here take fresh ledger sequences, one each
   * (a pull page cannot end inside one sequence's members), for the tills holding them to pull them with it.
   */
  function linkChunk(
    ids: readonly MemberId[],
    version: number,
    expiresAt: number,
    at: number,
    propose: () => string,
  ): Promise<Map<MemberId, string>> {
    return ctx.atomic(async (conn) => {
      let found = await linksIn(conn, ids, version);
      if (found.size === ids.length) return found;
      await lockKeysOf(conn, ctx.writer, 'member', ids);
      const counter = await lockCounter(conn, ctx.writer);
      found = await linksIn(conn, ids, version);
      const had = new Set(found.keys());
      // A proposal that collides with another member's reference (40 bits: rare) is dropped and proposed again.
      for (let round = 0; round < 5 && found.size < ids.length; round++) {
        const missing = ids.filter((id) => !found.has(id));
        await conn
          .insertInto('member_links')
          .values(
            missing.map((member_id) => ({
              member_id,
              program_version: version,
              ref: propose(),
              issued_at: at,
              expires_at: expiresAt,
            })),
          )
          .onConflict((oc) => oc.doNothing())
          .execute();
        found = await linksIn(conn, ids, version);
      }
      if (found.size < ids.length) throw new Error('could not give every member a letter reference');
      const fresh = ids.filter((id) => !had.has(id));
      const first = counter.ledgerSeq + 1;
      await conn
        .updateTable('members')
        .set({
          ledger_seq: caseOf<number>(
            sql.ref('member_id'),
            fresh.map((id, i) => [id, sql<number>`cast(${first + i} as bigint)`]),
          ),
        })
        .where('member_id', 'in', fresh)
        .execute();
      await setLedgerSeq(conn, first + fresh.length - 1);
      return found;
    });
  }

  return {
    async linkSecret() {
      const row = await db()
        .selectFrom('ledger_meta')
        .select('value')
        .where('key', '=', 'link_secret')
        .executeTakeFirst();
      if (!row) throw new Error('ledger_meta has no link_secret: the database was not migrated');
      return row.value;
    },

    async ensureLinks(memberIds, version, expiresAt, at, propose) {
      const found = new Map<MemberId, string>();
      for (const ids of chunks(unique(memberIds), CHUNK))
        if (ids.length > 0)
          for (const [id, ref] of await linkChunk(ids, version, expiresAt, at, propose)) found.set(id, ref);
      return found;
    },

    async refOf(memberId, version) {
      return (await linksOf([memberId], version)).get(memberId);
    },

    async lettersOf(memberIds, at) {
      const out = new Map<MemberId, { ref: string; expiresAt: number }[]>();
      for (const ids of chunks(unique(memberIds), CHUNK)) {
        if (ids.length === 0) continue;
        const rows = await db()
          .selectFrom('member_links')
          .select(['member_id', 'ref', 'expires_at'])
          .where('member_id', 'in', ids)
          .where('expires_at', '>', at)
          .orderBy('expires_at')
          .orderBy('ref')
          .execute();
        for (const r of rows) {
          const list = out.get(r.member_id) ?? [];
          list.push({ ref: r.ref, expiresAt: Number(r.expires_at) });
          out.set(r.member_id, list);
        }
      }
      return out;
    },

    async linkByRef(ref) {
      const r = await db().selectFrom('member_links').selectAll().where('ref', '=', ref).executeTakeFirst();
      return r
        ? {
            memberId: r.member_id,
            programVersion: Number(r.program_version),
            ref: r.ref,
            issuedAt: Number(r.issued_at),
            expiresAt: Number(r.expires_at),
          }
        : undefined;
    },

    async recordEmails(records) {
      for (const rows of chunks(records, CHUNK)) {
        if (rows.length === 0) continue;
        await db()
          .insertInto('notice_emails')
          .values(
            rows.map((r) => ({
              member_id: r.memberId,
              program_version: r.programVersion,
              status: r.status,
              at: r.at,
              message_id: r.messageId,
              error: r.error,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['member_id', 'program_version']).doUpdateSet((eb) => ({
              status: eb.ref('excluded.status'),
              at: eb.ref('excluded.at'),
              message_id: eb.ref('excluded.message_id'),
              error: eb.ref('excluded.error'),
            })),
          )
          .execute();
      }
    },

    async emailsOf(memberIds, version) {
      const out = new Map<MemberId, EmailRecord>();
      for (const ids of chunks(memberIds, CHUNK)) {
        if (ids.length === 0) continue;
        const rows = await db()
          .selectFrom('notice_emails')
          .selectAll()
          .where('program_version', '=', version)
          .where('member_id', 'in', ids)
          .execute();
        for (const r of rows)
          out.set(r.member_id, {
            memberId: r.member_id,
            programVersion: Number(r.program_version),
            status: r.status,
            at: Number(r.at),
            messageId: r.message_id,
            error: r.error,
          });
      }
      return out;
    },

    async termsVia(memberId) {
      const r = await db()
        .selectFrom('ops')
        .innerJoin('tills', 'tills.till_id', 'ops.till_id')
        .select('tills.store_id')
        .where('ops.member_id', '=', memberId)
        .where('ops.kind', '=', 'terms')
        .where('ops.delta', 'is not', null)
        .orderBy('ops.chain_seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      return r ? (r.store_id === PORTAL_STORE ? 'page' : 'till') : null;
    },

    async vouchersOf(memberId) {
      const rows = await db()
        .selectFrom('vouchers')
        .select(['code', 'value_cents', 'valid_until', 'redeemed_at'])
        .where('member_id', '=', memberId)
        .orderBy('issued_at', 'desc')
        .execute();
      return rows.map((r) => ({
        code: r.code,
        valueCents: Number(r.value_cents),
        validUntil: Number(r.valid_until),
        redeemedAt: r.redeemed_at === null ? null : Number(r.redeemed_at),
      }));
    },

    async opRecorded(opId) {
      const applied = await db()
        .selectFrom('ops')
        .select('op_id')
        .where('op_id', '=', opId as OpId)
        .executeTakeFirst();
      if (applied) return true;
      const refused = await db().selectFrom('refused_ops').select('op_id').where('op_id', '=', opId).executeTakeFirst();
      return refused !== undefined;
    },

    async closingAnswers() {
      const rows = await db()
        .selectFrom('ops')
        .innerJoin('tills', 'tills.till_id', 'ops.till_id')
        .select(['ops.kind', 'tills.store_id', 'ops.at', 'ops.applied_at', 'ops.op'])
        .where('ops.kind', 'in', ['terms', 'convert'])
        .where('ops.delta', 'is not', null)
        .execute();
      return rows.map((r) => {
        let answer: string | null = null;
        if (r.kind === 'terms') {
          const op = JSON.parse(r.op) as { answer?: unknown };
          answer = typeof op.answer === 'string' ? op.answer : null;
        }
        return {
          kind: r.kind === 'terms' ? ('terms' as const) : ('convert' as const),
          storeId: r.store_id,
          at: Number(r.at ?? r.applied_at),
          answer,
        };
      });
    },

    async voucherRedemptions() {
      const rows = await db()
        .selectFrom('vouchers')
        .select(['redeemed_at', 'redeemed_by'])
        .where('redeemed_at', 'is not', null)
        .execute();
      return rows.map((r) => ({ at: Number(r.redeemed_at), by: r.redeemed_by ?? '' }));
    },

    async noticesIssued(version) {
      const r = await db()
        .selectFrom('notices')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('program_version', '=', version)
        .where('run_id', 'not like', 'pending:%')
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },

    async emailCounts(version) {
      const rows = await db()
        .selectFrom('notice_emails')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('program_version', '=', version)
        .groupBy('status')
        .execute();
      const counts: Record<EmailStatus, number> = { sent: 0, failed: 0, bounced: 0 };
      for (const r of rows) counts[r.status] = Number(r.n);
      return counts;
    },
  };
}
