/** `MemberChannelStore` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import type { MemberId, OpId } from '../../loyalty/units.ts';
import { chunks } from './context.ts';
import {
  PORTAL_STORE,
  type EmailRecord,
  type EmailStatus,
  type MemberChannelStore,
} from './interfaces/member-channel.ts';
import type { Database } from './schema.ts';

/** Rows per statement (well under both dialects' parameter limits). */
const CHUNK = 500;

export function memberChannelStore(db: () => Kysely<Database>): MemberChannelStore {
  async function linksOf(memberIds: readonly MemberId[], version: number): Promise<Map<MemberId, string>> {
    const found = new Map<MemberId, string>();
    for (const ids of chunks(memberIds, CHUNK)) {
      if (ids.length === 0) continue;
      const rows = await db()
        .selectFrom('member_links')
        .select(['member_id', 'ref'])
        .where('program_version', '=', version)
        .where('member_id', 'in', ids)
        .execute();
      for (const r of rows) found.set(r.member_id, r.ref);
    }
    return found;
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
      let found = await linksOf(memberIds, version);
      // A proposal that collides with another member's reference (40 bits: rare) is dropped and proposed again.
      for (let round = 0; round < 5; round++) {
        const missing = memberIds.filter((id) => !found.has(id));
        if (missing.length === 0) return found;
        for (const ids of chunks(missing, CHUNK))
          await db()
            .insertInto('member_links')
            .values(
              ids.map((member_id) => ({
                member_id,
                program_version: version,
                ref: propose(),
                issued_at: at,
                expires_at: expiresAt,
              })),
            )
            .onConflict((oc) => oc.doNothing())
            .execute();
        found = await linksOf(memberIds, version);
      }
      throw new Error('could not give every member a letter reference');
    },

    async refOf(memberId, version) {
      return (await linksOf([memberId], version)).get(memberId);
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
