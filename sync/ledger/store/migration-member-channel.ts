/**
 * Migration 0013: the members' own channel for the closing (issue 13), in a module of its own.
 * - `member_links`: per (member, program version), the letter reference printed on the notice and named by the
 *   member's personal link, and when the link expires (the closing's burn deadline);
 * - `notice_emails`: per (member, program version), the e-mailed notice: sent, failed or bounced, when, message id;
 * - `ledger_meta.link_secret`: the key the personal links are signed with (LEDGER_PORTAL_SECRET overrides it).
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';

export const memberChannel: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('member_links')
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('program_version', 'integer', (c) => c.notNull())
      .addColumn('ref', 'text', (c) => c.notNull().unique())
      .addColumn('issued_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('member_links_pk', ['member_id', 'program_version'])
      .execute();
    await db.schema
      .createTable('notice_emails')
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('program_version', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('message_id', 'text')
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('notice_emails_pk', ['member_id', 'program_version'])
      .execute();
    const secret = randomBytes(32).toString('base64url');
    await sql`insert into ledger_meta (key, value) values ('link_secret', ${secret})`.execute(db);
  },
};
