/** `EventsFeedStore` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import type { EventsFeedStore } from './interfaces/events-feed.ts';
import type { Database } from './schema.ts';

/** The events feed's reads through `db()`, called afresh for every query. */
export function eventsFeedStore(db: () => Kysely<Database>): EventsFeedStore {
  return {
    async head() {
      const row = await db().selectFrom('counter').select('event_seq').where('id', '=', 1).executeTakeFirst();
      return Number(row?.event_seq ?? 0);
    },

    async pageEnd(after, limit) {
      const row = await db()
        .selectFrom((eb) =>
          eb
            .selectFrom('events')
            .select('event_seq')
            .where('event_seq', '>', after)
            .orderBy('event_seq')
            .limit(limit)
            .as('p'),
        )
        .select((eb) => eb.fn.max('p.event_seq').as('last'))
        .executeTakeFirst();
      const end = row?.last == null ? after : Number(row.last);
      const next = await db()
        .selectFrom('events')
        .select('event_seq')
        .where('event_seq', '>', end)
        .limit(1)
        .executeTakeFirst();
      return { end, more: next !== undefined };
    },
  };
}
