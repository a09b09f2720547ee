/**
 * `MemberPrivacy` on a Kysely handle: a member's file (the right of access) and erasure, on SQLite and PostgreSQL.
 *
 * Erasure and the audit chain. An op row's hash covers its `op` JSON, and an enrol op carries the member's name and
 * card, so erasing them changes a hashed field. Rewriting the chain from there on would break every chain head
 * printed before (audit.ts: a head kept elsewhere is how a rewrite shows), and salting new ops' personal fields would
 * leave every existing row as it is. So erasure keeps every `row_hash` and `content_hash` as they are and, for each
 * op row whose JSON it changes, first checks that the row still follows from the chain (else it refuses: erasure
 * must not launder a tampered row), then stores a seal in `erased_ops`: sha256(previous row hash, the row's own
 * hash, the row's fields as erased) (op-chain.ts `erasureSeal`). `ledger audit verify` recomputes the row hash of
 * every row it can; for a sealed row of an erased member it recomputes the seal instead, and the chain goes on from
 * the row's unchanged hash, so later rows and printed heads verify as before.
 *
 * What that weakens, for erased rows only: the seal is not itself in the chain, so someone able to write the
 * database could edit such a row (its delta is still tied to the member's balance by the books check) and seal it
 * anew; a seal counts only for a row of a member recorded as erased, so no other row can be passed off that way.
 * What erasure does not reach: the rows' unchanged hashes are unsalted sha256 of the original op, so whoever holds
 * the database can still confirm a guessed name and card for an erased enrol (there is no salt to destroy); backups,
 * PostgreSQL WAL archives and the tills' own journals keep what they held until they are replaced.
 *
 * Tombstones: the name becomes "(erased)", e-mail, postal address and birthday null, and the card a placeholder that
 * is a valid card number (ops sent back to a till must still parse) made from the member id, so the real card is
 * free again and a lookup by it finds nobody.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Card, MemberId } from '../../loyalty/units.ts';
import { lockCounter, setLedgerSeq, type StoreCtx } from './context.ts';
import { lockKeysOf } from './group-locks.ts';
import type { ErasureResult, MemberFile, MemberPrivacy } from './interfaces/member-privacy.ts';
import { GENESIS_HASH, chainRowHash, erasureSeal } from './op-chain.ts';
import type { Database } from './schema.ts';

/** What an erased member's name reads. */
export const ERASED_NAME = '(erased)';

/** The card an erased member's rows carry instead of theirs: 'erased-' and 24 hex digits of the member id's hash. */
export function erasedCard(memberId: MemberId): Card {
  return `erased-${createHash('sha256').update(memberId).digest('hex').slice(0, 24)}` as Card;
}

/** Text columns holding JSON, parsed in a member's file and redacted by erasure. */
const JSON_COLUMNS = new Set(['op', 'outcome', 'draws', 'data', 'details', 'raw', 'json']);

/** The tables erasure writes, scrubbed after it. */
const ERASED_TABLES = ['members', 'ops', 'events', 'refused_ops', 'retired_cards'] as const;

/** Replaces personal fields, at any depth, by their tombstones; the other keys keep their order. */
function redact(value: unknown, card: Card): unknown {
  if (Array.isArray(value)) return value.map((v) => redact(v, card));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'name' && typeof v === 'string') out[k] = ERASED_NAME;
    else if (k === 'card' && typeof v === 'string') out[k] = card;
    else if (['email', 'postalAddress', 'postal_address', 'birthday'].includes(k)) out[k] = null;
    else out[k] = redact(v, card);
  }
  return out;
}

/** The JSON text with personal fields redacted; the same text when it had none (or is not JSON). */
function redactText(text: string, card: Card): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  const out = JSON.stringify(redact(parsed, card));
  return out === JSON.stringify(parsed) ? text : out;
}

function parseJsonColumns(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (JSON_COLUMNS.has(k) && typeof v === 'string') {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // Not JSON after all: shown as stored.
      }
    }
    out[k] = v;
  }
  return out;
}

/** Access and erasure over the store's context; `schema` is the PostgreSQL schema the store works in, if any. */
export function memberPrivacy(ctx: StoreCtx, schema?: string): MemberPrivacy {
  return {
    file: (memberId) => fileOf(memberId, 0),
    async erase(memberId, at) {
      const result = await ctx.atomic((db) => eraseIn(db, ctx, memberId, at));
      if (result.status === 'erased') await ctx.writer.scrub(ctx.plain(), ERASED_TABLES);
      return result;
    },
  };

  async function fileOf(memberId: MemberId, depth: number): Promise<MemberFile | undefined> {
    const db = ctx.plain();
    const member = await db
      .selectFrom('members')
      .select('member_id')
      .where('member_id', '=', memberId)
      .executeTakeFirst();
    if (!member) return undefined;
    const tables: MemberFile['tables'] = {};
    const found = await db.introspection.getTables();
    const names = found
      .filter((t) => schema === undefined || t.schema === undefined || t.schema === schema)
      .filter((t) => !t.isView && t.columns.some((c) => c.name === 'member_id'))
      .map((t) => t.name);
    for (const name of [...new Set(names)].sort()) {
      // Every table with a member_id column, those added by later migrations too: nothing held is left out.
      const { rows } = await sql<
        Record<string, unknown>
      >`select * from ${sql.table(name)} where member_id = ${memberId}`.execute(db);
      tables[name] = rows.map(parseJsonColumns);
    }
    const erased = await db
      .selectFrom('erased_members')
      .select('erased_at')
      .where('member_id', '=', memberId)
      .executeTakeFirst();
    const merged = await db
      .selectFrom('members')
      .select('member_id')
      .where('merged_into', '=', memberId)
      .orderBy('member_id')
      .execute();
    const mergedFrom: MemberFile[] = [];
    // A merge refuses merged members, so there are no loops; the depth bound is only a guard.
    if (depth < 16)
      for (const m of merged) {
        const f = await fileOf(m.member_id, depth + 1);
        if (f) mergedFrom.push(f);
      }
    return { memberId, erasedAt: erased ? Number(erased.erased_at) : null, tables, mergedFrom };
  }
}

async function eraseIn(db: Kysely<Database>, ctx: StoreCtx, memberId: MemberId, at: number): Promise<ErasureResult> {
  // The member's key, then the counter (group-locks.ts): no group decides on the member meanwhile, and the erasure
  // comes between the groups that chain ops (see group-tx.ts).
  await lockKeysOf(db, ctx.writer, 'member', [memberId]);
  const counter = await lockCounter(db, ctx.writer);
  const member = await db
    .selectFrom('members')
    .select('member_id')
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  if (!member) return { status: 'unknown-member' };
  const done = await db
    .selectFrom('erased_members')
    .select('erased_at')
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  if (done) return { status: 'already-erased', erasedAt: Number(done.erased_at) };
  const card = erasedCard(memberId);

  const ops = await db.selectFrom('ops').selectAll().where('member_id', '=', memberId).orderBy('chain_seq').execute();
  let opsSealed = 0;
  for (const row of ops) {
    const op = redactText(row.op, card);
    const outcome = redactText(row.outcome, card);
    if (op === row.op && outcome === row.outcome) continue;
    const prev =
      row.chain_seq === null || row.chain_seq <= 1
        ? GENESIS_HASH
        : ((
            await db
              .selectFrom('ops')
              .select('row_hash')
              .where('chain_seq', '=', row.chain_seq - 1)
              .executeTakeFirst()
          )?.row_hash ?? null);
    if (row.row_hash === null || prev === null || chainRowHash(prev, row) !== row.row_hash)
      return { status: 'chain-broken', opId: row.op_id };
    const seal = erasureSeal(prev, row.row_hash, { ...row, op, outcome });
    await db.updateTable('ops').set({ op, outcome }).where('op_id', '=', row.op_id).execute();
    await db.insertInto('erased_ops').values({ op_id: row.op_id, member_id: memberId, seal, erased_at: at }).execute();
    opsSealed++;
  }

  const events = await db
    .selectFrom('events')
    .select(['event_seq', 'data'])
    .where('member_id', '=', memberId)
    .execute();
  for (const e of events) {
    const data = redactText(e.data, card);
    if (data !== e.data) await db.updateTable('events').set({ data }).where('event_seq', '=', e.event_seq).execute();
  }
  // An op refused as unreadable is kept as received: one naming the member may hold what the till typed.
  const refused = await db
    .selectFrom('refused_ops')
    .select(['op_id', 'raw'])
    .where('raw', 'like', `%${memberId}%`)
    .execute();
  for (const r of refused)
    if (r.raw.includes(memberId))
      await db
        .updateTable('refused_ops')
        .set({ raw: JSON.stringify({ erased: true }) })
        .where('op_id', '=', r.op_id)
        .execute();

  // A fresh ledger sequence: the holding stores' next pull brings the member, as a tombstone.
  const seq = counter.ledgerSeq + 1;
  await setLedgerSeq(db, seq);
  await db
    .updateTable('members')
    .set({ name: ERASED_NAME, card, email: null, postal_address: null, birthday: null, ledger_seq: seq })
    .where('member_id', '=', memberId)
    .execute();
  // Cards it held before (replace-card) are its personal data too; they are free again, like its last one.
  await db.deleteFrom('retired_cards').where('member_id', '=', memberId).execute();
  await db.insertInto('erased_members').values({ member_id: memberId, erased_at: at }).execute();
  return { status: 'erased', erasedAt: at, opsSealed };
}
