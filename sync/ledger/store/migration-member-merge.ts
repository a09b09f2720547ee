/**
 * Migration 0012_member_merge (`ledger member merge KEEP DROP`, sync/ledger/member-merge.ts): `members.merged_into`,
 * the member a duplicate was merged into. Set by the dropped member's `merge-out` op; from then on the ledger lands
 * ops for it on the kept member, its card finds the kept member, and the tills drop it on their next pull.
 */
import type { Kysely, Migration } from 'kysely';

export const memberMerge: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('members').addColumn('merged_into', 'text').execute();
  },
};
