/**
 * Members: import, lookups, holds (which store's tills get a member) and a store's pull, page by page.
 */
import { sql, type Insertable } from 'kysely';
import type { Card, MemberId, Points, StoreId } from '../../loyalty/units.ts';
import { consentRecords } from '../../loyalty/consent.ts';
import { insertConsents } from './consents.ts';
import { erasedCard } from './member-privacy.ts';
import { chunks, lockCounter, setLedgerSeq, type StoreCtx } from './context.ts';
import { lockKeysOf } from './group-locks.ts';
import { NEW_MEMBER_COLUMNS, toMember } from './rows.ts';
import type { MembersTable } from './schema.ts';
import { readHolders } from './group-marks.ts';
import { HOLDS, MEMBERS, rowsPerStatement } from './tables.ts';
import type { ImportMember, LedgerStore, MemberRecord, PullPage } from './types.ts';

/** The store's member methods. */
export type MemberStore = Pick<
  LedgerStore,
  | 'importMembers'
  | 'getMember'
  | 'findMemberByCard'
  | 'holdMember'
  | 'pullMembers'
  | 'holdersOf'
  | 'listMembers'
  | 'listMembersPage'
>;

export class KyselyMembers implements MemberStore {
  readonly #ctx: StoreCtx;

  constructor(ctx: StoreCtx) {
    this.#ctx = ctx;
  }

  /**
   * Imported members start with balance = openingBalance and the lifetime points, welcome flag and tier the rows
   * bring (migrated members, decided by the caller); a row without them is a new member: no lifetime points, no
   * welcome bonus given, no tier until its first earn.
   */
  async importMembers(rows: readonly ImportMember[], holdAt?: StoreId): Promise<number> {
    const ids = new Set<string>();
    const cards = new Set<string>();
    for (const r of rows) {
      if (ids.has(r.memberId)) throw new Error(`import refused: member id ${r.memberId} appears twice in the rows`);
      if (cards.has(r.card)) throw new Error(`import refused: card ${r.card} appears twice in the rows`);
      ids.add(r.memberId);
      cards.add(r.card);
    }
    if (rows.length === 0) return 0;
    const ctx = this.#ctx;
    const { maxParams } = ctx.writer;
    return ctx.atomic(async (db) => {
      // The keys first, then the counter (group-locks.ts): a group enrolling one of these ids or cards waits, or is seen.
      await lockKeysOf(db, ctx.writer, 'member', ids);
      await lockKeysOf(db, ctx.writer, 'card', cards);
      const idList = rows.map((r) => r.memberId);
      for (const part of chunks(idList, maxParams)) {
        const hit = await db
          .selectFrom('members')
          .select('member_id')
          .where('member_id', 'in', part)
          .executeTakeFirst();
        if (hit) throw new Error(`import refused: member id ${hit.member_id} already exists`);
      }
      const cardList = rows.map((r) => r.card);
      for (const part of chunks(cardList, maxParams)) {
        const hit = await db
          .selectFrom('members')
          .select(['card', 'member_id'])
          .where('card', 'in', part)
          .executeTakeFirst();
        if (hit) throw new Error(`import refused: card ${hit.card} already belongs to member ${hit.member_id}`);
      }
      const first = (await lockCounter(db, ctx.writer)).ledgerSeq + 1;
      const createdAt = ctx.now();
      const members: Insertable<MembersTable>[] = rows.map((r, i) => ({
        member_id: r.memberId,
        card: r.card,
        name: r.name,
        balance: r.openingBalance,
        lifetime_points: r.lifetimePoints ?? (0 as Points),
        welcome_given: r.welcomeGiven === true ? 1 : 0,
        ledger_seq: first + i,
        opening_balance: r.openingBalance,
        home_store_id: r.homeStoreId,
        email: r.email,
        postal_address: r.postalAddress,
        created_at: createdAt,
        ...NEW_MEMBER_COLUMNS,
        tier: r.tier ?? null,
        birthday: r.birthday ?? null,
      }));
      for (const part of chunks(members, rowsPerStatement(maxParams, MEMBERS))) {
        await db.insertInto('members').values(part).execute();
      }
      if (holdAt !== undefined) {
        // The members are new, so their own sequence already brings them to the store's next pull.
        const holds = members.map((m) => ({ store_id: holdAt, member_id: m.member_id, held_seq: m.ledger_seq }));
        for (const part of chunks(holds, rowsPerStatement(maxParams, HOLDS))) {
          await db.insertInto('holds').values(part).execute();
        }
      }
      const consents = rows.flatMap((r) =>
        r.consent
          ? consentRecords(r.memberId, r.consent, { at: r.consentAt ?? createdAt, place: 'import', method: 'import' })
          : [],
      );
      await insertConsents(db, consents, createdAt, maxParams);
      await setLedgerSeq(db, first + rows.length - 1);
      return rows.length;
    });
  }

  async getMember(memberId: MemberId): Promise<MemberRecord | undefined> {
    const row = await this.#ctx
      .plain()
      .selectFrom('members')
      .selectAll()
      .where('member_id', '=', memberId)
      .executeTakeFirst();
    return row && toMember(row);
  }

  async findMemberByCard(card: Card): Promise<MemberRecord | undefined> {
    // An erased member is found by no card, the placeholder it carries included.
    const row = await this.#ctx
      .plain()
      .selectFrom('members')
      .selectAll()
      .where('card', '=', card)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('erased_members as e')
              .select('e.member_id')
              .whereRef('e.member_id', '=', 'members.member_id'),
          ),
        ),
      )
      .executeTakeFirst();
    // A merged member's card finds the member it was merged into (`ledger member merge`), hop by hop.
    let found = row && toMember(row);
    for (let hop = 0; found?.mergedInto && hop < 16; hop++) found = await this.getMember(found.mergedInto);
    // A kept member erased since is found by no card either.
    return found && found.card !== erasedCard(found.memberId) ? found : undefined;
  }

  /** A new hold takes a fresh ledger sequence, so the store's next pull brings the member even if unchanged since. */
  async holdMember(storeId: StoreId, memberId: MemberId): Promise<void> {
    const { writer } = this.#ctx;
    await this.#ctx.atomic(async (db) => {
      const held = await db
        .selectFrom('holds')
        .select('held_seq')
        .where('store_id', '=', storeId)
        .where('member_id', '=', memberId)
        .executeTakeFirst();
      if (held) return;
      const member = await db
        .selectFrom('members')
        .select('member_id')
        .where('member_id', '=', memberId)
        .executeTakeFirst();
      if (!member) throw new Error(`cannot hold unknown member ${memberId}`);
      const seq = (await lockCounter(db, writer)).ledgerSeq + 1;
      // On PostgreSQL two processes may race past the check above: the primary key keeps one hold.
      await db
        .insertInto('holds')
        .values({ store_id: storeId, member_id: memberId, held_seq: seq })
        .onConflict((oc) => oc.columns(HOLDS.key).doNothing())
        .execute();
      await setLedgerSeq(db, seq);
    });
  }

  async pullMembers(storeId: StoreId, cursor: number, limit: number): Promise<PullPage> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`pull limit must be a positive integer: ${limit}`);
    const rows = await this.#pullQuery(storeId, cursor)
      .limit(limit + 1)
      .execute();
    if (rows.length <= limit)
      return {
        members: await this.#markErased(rows.map(toMember)),
        cursor: rows.at(-1)?.pull_seq ?? cursor,
        more: false,
      };
    const page = rows.slice(0, limit);
    const last = page[limit - 1];
    const next = rows[limit];
    if (last && next && next.pull_seq === last.pull_seq) {
      // The cursor is one number: finish this sequence's members rather than lose the rest of them.
      const rest = await this.#pullQuery(storeId, last.pull_seq - 1)
        .where('p.pull_seq', '=', last.pull_seq)
        .where('p.member_id', '>', last.member_id)
        .execute();
      page.push(...rest);
    }
    return { members: await this.#markErased(page.map(toMember)), cursor: page.at(-1)?.pull_seq ?? cursor, more: true };
  }

  /** Marks the erased members of a pull page, which the tills then drop (member-privacy.ts). */
  async #markErased(members: MemberRecord[]): Promise<MemberRecord[]> {
    if (members.length === 0) return members;
    const erased = new Set<string>();
    for (const part of chunks(members, this.#ctx.writer.maxParams)) {
      const rows = await this.#ctx
        .plain()
        .selectFrom('erased_members')
        .select('member_id')
        .where(
          'member_id',
          'in',
          part.map((m) => m.memberId),
        )
        .execute();
      for (const r of rows) erased.add(r.member_id);
    }
    return erased.size === 0 ? members : members.map((m) => (erased.has(m.memberId) ? { ...m, erased: true } : m));
  }

  /**
   * A store's members with max(ledger_seq, held_seq) > cursor, in that order. Written as two disjoint halves (changed
   * after the cursor; held after it but unchanged) so each can use an index, instead of one OR over the whole store.
   */
  #pullQuery(storeId: StoreId, cursor: number) {
    const db = this.#ctx.plain();
    const half = () =>
      db
        .selectFrom('holds as h')
        .innerJoin('members as m', 'm.member_id', 'h.member_id')
        .where('h.store_id', '=', storeId)
        .selectAll('m')
        .select(sql<number>`case when m.ledger_seq > h.held_seq then m.ledger_seq else h.held_seq end`.as('pull_seq'));
    const changed = half().where('m.ledger_seq', '>', cursor);
    const newlyHeld = half().where('h.held_seq', '>', cursor).where('m.ledger_seq', '<=', cursor);
    return db
      .selectFrom(changed.unionAll(newlyHeld).as('p'))
      .selectAll('p')
      .orderBy('p.pull_seq')
      .orderBy('p.member_id');
  }

  async holdersOf(memberIds: readonly MemberId[]): Promise<Map<MemberId, StoreId[]>> {
    return readHolders(this.#ctx.plain(), memberIds, this.#ctx.writer.maxParams);
  }

  async listMembers(): Promise<MemberRecord[]> {
    return (await this.#ctx.plain().selectFrom('members').selectAll().orderBy('member_id').execute()).map(toMember);
  }

  async listMembersPage(after: string, limit: number): Promise<MemberRecord[]> {
    const rows = await this.#ctx
      .plain()
      .selectFrom('members')
      .selectAll()
      .where('member_id', '>', after as MemberId)
      .orderBy('member_id')
      .limit(limit)
      .execute();
    return rows.map(toMember);
  }
}
