/**
 * The schema's migrations, in code (no files read at run time), identical for SQLite and PostgreSQL. Add a new
 * entry for every change; never edit one that has shipped. Names sort in the order they run.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { memberMerge } from './migration-member-merge.ts';
import { consoleUsers } from './console-users-migration.ts';
import { memberChannel } from './migration-member-channel.ts';
import { chainRowHash, GENESIS_HASH, type ChainedFields } from './op-chain.ts';

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('stores')
      .addColumn('store_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('tills')
      .addColumn('till_id', 'text', (c) => c.primaryKey())
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.store_id'))
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('skew_ms', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('revoked_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tills_store_id').on('tills').column('store_id').execute();

    await db.schema
      .createTable('programs')
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('json', 'text', (c) => c.notNull())
      .execute();

    // home_store_id has no foreign key: an import may name stores not registered yet.
    await db.schema
      .createTable('members')
      .addColumn('member_id', 'text', (c) => c.primaryKey())
      .addColumn('card', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('balance', 'bigint', (c) => c.notNull())
      .addColumn('lifetime_points', 'bigint', (c) => c.notNull())
      .addColumn('welcome_given', 'integer', (c) => c.notNull())
      .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
      .addColumn('opening_balance', 'bigint', (c) => c.notNull())
      .addColumn('home_store_id', 'text')
      .addColumn('email', 'text')
      .addColumn('postal_address', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('members_ledger_seq').on('members').column('ledger_seq').execute();

    await db.schema
      .createTable('holds')
      .addColumn('store_id', 'text', (c) => c.notNull().references('stores.store_id'))
      .addColumn('member_id', 'text', (c) => c.notNull().references('members.member_id'))
      .addColumn('held_seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('holds_pk', ['store_id', 'member_id'])
      .execute();
    // Pulls find a store's holds made after a cursor; holdersOf looks up by member.
    await db.schema.createIndex('holds_store_held_seq').on('holds').columns(['store_id', 'held_seq']).execute();
    await db.schema.createIndex('holds_member_id').on('holds').column('member_id').execute();

    // member_id has no foreign key: a rejected op (UNKNOWN_MEMBER) is recorded for a member that does not exist.
    await db.schema
      .createTable('ops')
      .addColumn('op_id', 'text', (c) => c.primaryKey())
      .addColumn('till_id', 'text', (c) => c.notNull().references('tills.till_id'))
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('delta', 'bigint')
      .addColumn('ledger_seq', 'bigint')
      .addColumn('reversed_by', 'text')
      .addColumn('applied_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('ops_till_seq', ['till_id', 'seq'])
      .execute();
    await db.schema.createIndex('ops_member_id').on('ops').column('member_id').execute();

    await db.schema
      .createTable('conflicts')
      .addColumn('conflict_id', 'text', (c) => c.primaryKey())
      .addColumn('op_id', 'text', (c) => c.notNull().references('ops.op_id'))
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('till_id', 'text', (c) => c.notNull())
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('shortfall', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('conflicts_store_status').on('conflicts').columns(['store_id', 'status']).execute();

    await db.schema
      .createTable('counter')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('ledger_seq', 'bigint', (c) => c.notNull())
      .execute();
    await sql`insert into counter (id, ledger_seq) values (1, 0)`.execute(db);
  },
};

/** Conflict resolutions by managers, and the stores' manager PIN. */
const resolutions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const [column, type] of [
      ['resolve_op_id', 'text'],
      ['action', 'text'],
      ['resolved_by', 'text'],
      ['reason', 'text'],
      ['resolved_at', 'bigint'],
    ] as const) {
      await db.schema.alterTable('conflicts').addColumn(column, type).execute();
    }
    await db.schema.alterTable('stores').addColumn('manager_pin', 'text').execute();
  },
};

/**
 * The program's transition: points in lots, member terms, tier and status, vouchers, the event feed and its webhook
 * deliveries, member notices, and head office's own till for the ops it makes (expiry, adjustments, bulk
 * conversion).
 */
const transition: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const [column, type] of [
      ['terms_version', 'text'],
      ['terms_answer', 'text'],
      ['terms_at', 'bigint'],
      ['tier', 'text'],
      ['status', 'text'],
      ['first_activity_at', 'bigint'],
      ['last_activity_at', 'bigint'],
      ['birthday', 'text'],
    ] as const) {
      await db.schema.alterTable('members').addColumn(column, type).execute();
    }
    await db.schema.alterTable('ops').addColumn('draws', 'text').execute();
    // When the op took effect (the till's time corrected for skew): reports date movements by it, not by when the
    // ledger heard of them (an offline till may sync days later).
    await db.schema.alterTable('ops').addColumn('at', 'bigint').execute();
    await sql`update ops set at = applied_at`.execute(db);
    await db.schema.createIndex('ops_at').on('ops').column('at').execute();
    await db.schema
      .alterTable('counter')
      .addColumn('event_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();

    // Only points that can expire are held in lots (see sync/loyalty/member-lots.ts).
    await db.schema
      .createTable('lots')
      .addColumn('lot_id', 'text', (c) => c.primaryKey())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('earned_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('points', 'bigint', (c) => c.notNull())
      .addColumn('original', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('lots_member_id').on('lots').column('member_id').execute();
    await db.schema.createIndex('lots_expires_at').on('lots').column('expires_at').execute();

    await db.schema
      .createTable('vouchers')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('op_id', 'text', (c) => c.notNull().unique())
      .addColumn('points', 'bigint', (c) => c.notNull())
      .addColumn('value_cents', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('valid_until', 'bigint', (c) => c.notNull())
      .addColumn('redeemed_at', 'bigint')
      .addColumn('redeemed_by', 'text')
      .addColumn('redeem_ref', 'text')
      .execute();
    await db.schema.createIndex('vouchers_member_id').on('vouchers').column('member_id').execute();

    await db.schema
      .createTable('events')
      .addColumn('event_seq', 'bigint', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text')
      .addColumn('op_id', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('webhooks')
      .addColumn('webhook_id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('cursor', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('disabled_at', 'bigint')
      .execute();

    await db.schema
      .createTable('notices')
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('program_version', 'integer', (c) => c.notNull())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('notices_pk', ['member_id', 'program_version'])
      .execute();

    // Head office's till: ops it makes go through the same exactly-once path. No token hashes to '-', so it
    // cannot connect.
    await sql`insert into stores (store_id, name, created_at, manager_pin) values ('head-office', 'Head office', 0, null)`.execute(
      db,
    );
    await sql`insert into tills (till_id, store_id, token_hash, last_seq, skew_ms, revoked_at, created_at)
      values ('head-office', 'head-office', '-', 0, 0, null, 0)`.execute(db);
  },
};

/**
 * The audit trail (sync/ledger/audit.ts): each op row's place in a hash chain in commit order (`chain_seq`, gap-free
 * from 1, unique) and its hash (`row_hash`), and the chain's head in the counter row. Rows already there are chained
 * in (applied_at, till_id, seq) order. The two ops columns stay nullable (SQLite cannot add a NOT NULL column without
 * a default): the store always sets them and the audit reports a row without them. All or nothing on both dialects
 * (Kysely runs PostgreSQL migrations in a transaction; on SQLite this one takes its own).
 */
const auditChain: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    if (!postgres) await sql`begin immediate`.execute(db);
    try {
      // No group may commit ops while they are chained (the ALTERs below lock the table too).
      if (postgres) await sql`select id from counter where id = 1 for update`.execute(db);
      await db.schema.alterTable('ops').addColumn('chain_seq', 'bigint').execute();
      await db.schema.alterTable('ops').addColumn('row_hash', 'text').execute();
      await db.schema
        .alterTable('counter')
        .addColumn('chain_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('counter')
        .addColumn('chain_hash', 'text', (c) => c.notNull().defaultTo(GENESIS_HASH))
        .execute();
      const head = await chainExistingOps(db);
      await db.schema.createIndex('ops_chain_seq').on('ops').column('chain_seq').unique().execute();
      await sql`update counter set chain_seq = ${head.chainSeq}, chain_hash = ${head.chainHash} where id = 1`.execute(
        db,
      );
      if (!postgres) await sql`commit`.execute(db);
    } catch (err) {
      if (!postgres) await sql`rollback`.execute(db).catch(() => undefined);
      throw err;
    }
  },
};

/** Rows chained per statement by migration 0004. */
const CHAIN_PAGE = 500;

/** Chains every op row in (applied_at, till_id, seq) order, a page at a time, through a temporary index. */
async function chainExistingOps(db: Kysely<unknown>): Promise<{ chainSeq: number; chainHash: string }> {
  await sql`create index ops_chain_order on ops (applied_at, till_id, seq)`.execute(db);
  let chainSeq = 0;
  let chainHash = GENESIS_HASH;
  let after: ChainedFields | undefined;
  for (;;) {
    const { rows } = await sql<ChainedFields>`
      select op_id, till_id, seq, member_id, kind, content_hash, op, outcome, delta, ledger_seq, applied_at, draws, at
      from ops
      ${after ? sql`where (applied_at, till_id, seq) > (cast(${after.applied_at} as bigint), ${after.till_id}, cast(${after.seq} as bigint))` : sql``}
      order by applied_at, till_id, seq
      limit ${CHAIN_PAGE}`.execute(db);
    if (rows.length === 0) break;
    const values = rows.map((r) => {
      chainHash = chainRowHash(chainHash, r);
      return sql`(${r.op_id}, cast(${++chainSeq} as bigint), ${chainHash})`;
    });
    await sql`with v (id, s, h) as (values ${sql.join(values)})
      update ops set chain_seq = v.s, row_hash = v.h from v where ops.op_id = v.id`.execute(db);
    after = rows.at(-1);
  }
  await sql`drop index ops_chain_order`.execute(db);
  return { chainSeq, chainHash };
}

/**
 * Head office's actions that are not ops (stores, tills, PINs, tokens, programs, imports, webhooks, jobs): who, when,
 * why and what, one append-only row each, written by the `ledger` command after the action succeeded.
 */
const actionLog: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('actions')
      .addColumn('action_id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('actions_at').on('actions').column('at').execute();
  },
};

/**
 * Vouchers redeemed at a till carry the till's redemption id, so that a retry after a lost answer is recognised as
 * the same redemption and not refused as a second one.
 */
const voucherRedemption: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('vouchers').addColumn('redemption_id', 'text').execute();
  },
};

/**
 * A till's and a ledger's life (DESIGN "A till's and a ledger's life"): the ledger's identity (an epoch, renewed when
 * a backup is restored, so tills reset their pull cursors); each till database's own seq space (an incarnation, made
 * when the database is created) with its high-water mark and the id of its last op (tills compare both on connect);
 * the ops a till sent again after a restore (recovered); ops refused on their own because the ledger could not read
 * them; a till's pending move to another store. Existing tills continue as the incarnation `legacy`.
 */
const tillLife: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('ledger_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await sql`insert into ledger_meta (key, value) values ('epoch', ${uuidv7()})`.execute(db);
    await db.schema
      .createTable('till_incarnations')
      .addColumn('till_id', 'text', (c) => c.notNull())
      .addColumn('incarnation', 'text', (c) => c.notNull())
      .addColumn('base_seq', 'bigint', (c) => c.notNull())
      .addColumn('last_seq', 'bigint', (c) => c.notNull())
      .addColumn('last_op_id', 'text')
      .addColumn('reported_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('till_incarnations_pk', ['till_id', 'incarnation'])
      .execute();
    await sql`insert into till_incarnations
        (till_id, incarnation, base_seq, last_seq, last_op_id, reported_seq, first_seen_at, last_seen_at)
      select t.till_id, 'legacy', 1, t.last_seq,
        (select o.op_id from ops o where o.till_id = t.till_id and o.seq = t.last_seq limit 1),
        t.last_seq, t.created_at, t.created_at
      from tills t`.execute(db);
    await db.schema
      .alterTable('tills')
      .addColumn('incarnation', 'text', (c) => c.notNull().defaultTo('legacy'))
      .execute();
    await db.schema.alterTable('tills').addColumn('moving_to', 'text').execute();
    // The ops table keeps one gap-free row number per till (unique with till_id), now apart from the op's own seq,
    // which restarts in each incarnation. For the rows already there both are the same.
    await db.schema
      .alterTable('tills')
      .addColumn('row_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`update tills set row_seq = coalesce((select max(o.seq) from ops o where o.till_id = tills.till_id), 0)`.execute(
      db,
    );
    await db.schema
      .createTable('recovered_ops')
      .addColumn('op_id', 'text', (c) => c.primaryKey())
      .addColumn('till_id', 'text', (c) => c.notNull())
      .addColumn('epoch', 'text', (c) => c.notNull())
      .addColumn('recovered_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('refused_ops')
      .addColumn('op_id', 'text', (c) => c.primaryKey())
      .addColumn('till_id', 'text', (c) => c.notNull())
      .addColumn('incarnation', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('raw', 'text', (c) => c.notNull())
      .addColumn('refused_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/**
 * Refunds (issue 12): one row per refund op, against the sale or burn it refunds, with the amount and the points it
 * moved; a sale's refunds are summed to refuse one that would pass the sale, and to work out the rounding. And the
 * receipt references of sales and burns, so that a till of any store finds the sale a customer brings back (filled
 * from the ops already there).
 */
const refunds: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('refunds')
      .addColumn('op_id', 'text', (c) => c.primaryKey())
      .addColumn('target_op_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('cents', 'bigint', (c) => c.notNull())
      .addColumn('points', 'bigint', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('refunds_target').on('refunds').column('target_op_id').execute();
    await db.schema
      .createTable('sale_receipts')
      .addColumn('op_id', 'text', (c) => c.primaryKey())
      .addColumn('receipt_ref', 'text', (c) => c.notNull())
      .addColumn('store_id', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sale_receipts_ref').on('sale_receipts').column('receipt_ref').execute();
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    const field = (name: string) =>
      postgres ? sql`(op::jsonb ->> ${sql.lit(name)})` : sql`json_extract(op, ${sql.lit(`$.${name}`)})`;
    await sql`insert into sale_receipts (op_id, receipt_ref, store_id)
      select op_id, ${field('receiptRef')}, ${field('storeId')} from ops
      where kind in ('earn', 'burn') and delta is not null and ${field('receiptRef')} is not null`.execute(db);
  },
};

/**
 * Marketing consent: the per-channel history (a change appends a row, none is updated) and a webhook's consent
 * filter (deliver member events only for members who consented to that channel).
 */
const consent: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('member_consents')
      .addColumn('consent_id', 'text', (c) => c.primaryKey())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('given', 'integer', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('place', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('op_id', 'text')
      .addColumn('recorded_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('member_consents_member')
      .on('member_consents')
      .columns(['member_id', 'channel', 'at'])
      .execute();
    await db.schema.alterTable('webhooks').addColumn('consent_channel', 'text').execute();
  },
};

/**
 * Erasure (`ledger member erase`, sync/ledger/store/member-privacy.ts): which members were erased, and for each op
 * row whose personal fields were replaced by tombstones, the seal the audit checks it by instead of its row hash.
 */
const erasure: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('erased_members')
      .addColumn('member_id', 'text', (c) => c.primaryKey())
      .addColumn('erased_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('erased_ops')
      .addColumn('op_id', 'text', (c) => c.primaryKey())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('seal', 'text', (c) => c.notNull())
      .addColumn('erased_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/**
 * Cards (`ledger member replace-card`): the cards a member held before, refused from then on (member-cards.ts).
 */
const cards: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('retired_cards')
      .addColumn('card', 'text', (c) => c.primaryKey())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('retired_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/** Every migration, by name; used by `Migrator` on both dialects. */
export const migrationProvider: MigrationProvider = {
  getMigrations: () =>
    Promise.resolve({
      '0001_initial': initial,
      '0002_resolutions': resolutions,
      '0003_transition': transition,
      '0004_audit_chain': auditChain,
      '0005_action_log': actionLog,
      '0006_voucher_redemption': voucherRedemption,
      '0007_till_life': tillLife,
      '0008_consent': consent,
      '0009_erasure': erasure,
      '0010_cards': cards,
      '0011_refunds': refunds,
      '0012_member_merge': memberMerge,
      '0013_member_channel': memberChannel,
      '0014_console_users': consoleUsers,
    }),
};
