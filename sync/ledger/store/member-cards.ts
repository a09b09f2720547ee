/**
 * `MemberCards` on a Kysely handle: a lost card replaced. The old card goes to `retired_cards` (migration 0010), so
 * that `replace-card` never gives it again; the member row holds only the current card, which is all a till's lookup
 * sees. Not an op: a card is not points, and the ledger, not a till, decides it; the action log records who and why.
 */
import { lockCounter, setLedgerSeq, type StoreCtx } from './context.ts';
import { lockKeysOf } from './group-locks.ts';
import type { MemberCards } from './interfaces/member-cards.ts';

/** Card replacement over the store's context. */
export function memberCards(ctx: StoreCtx): MemberCards {
  return {
    replaceCard(memberId, card, at) {
      return ctx.atomic(async (db) => {
        // The member's and the new card's keys, then the counter (group-locks.ts): no group decides on the old row.
        await lockKeysOf(db, ctx.writer, 'member', [memberId]);
        await lockKeysOf(db, ctx.writer, 'card', [card]);
        const counter = await lockCounter(db, ctx.writer);
        const member = await db
          .selectFrom('members')
          .select(['card'])
          .where('member_id', '=', memberId)
          .executeTakeFirst();
        if (!member) return { status: 'unknown-member' };
        const erased = await db
          .selectFrom('erased_members')
          .select('member_id')
          .where('member_id', '=', memberId)
          .executeTakeFirst();
        if (erased) return { status: 'erased' };
        if (member.card === card) return { status: 'same-card' };
        const holder = await db.selectFrom('members').select('member_id').where('card', '=', card).executeTakeFirst();
        const retired = await db.selectFrom('retired_cards').select('card').where('card', '=', card).executeTakeFirst();
        if (holder || retired) return { status: 'card-taken' };
        const seq = counter.ledgerSeq + 1;
        await setLedgerSeq(db, seq);
        await db
          .insertInto('retired_cards')
          .values({ card: member.card, member_id: memberId, retired_at: at })
          .execute();
        await db.updateTable('members').set({ card, ledger_seq: seq }).where('member_id', '=', memberId).execute();
        return { status: 'replaced', oldCard: member.card, ledgerSeq: seq };
      });
    },
  };
}
