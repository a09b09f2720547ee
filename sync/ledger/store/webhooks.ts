/** `WebhookStore` on a Kysely handle, the same queries on SQLite and PostgreSQL. */
import type { Kysely, Selectable } from 'kysely';
import { ConsentChannelSchema } from '../../loyalty/consent.ts';
import type { StoredWebhook, WebhookStore } from './interfaces/webhooks.ts';
import type { Database, WebhooksTable } from './schema.ts';

function toWebhook(r: Selectable<WebhooksTable>): StoredWebhook {
  return {
    webhookId: r.webhook_id,
    url: r.url,
    secret: r.secret,
    createdAt: Number(r.created_at),
    cursor: Number(r.cursor),
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
    lastError: r.last_error,
    disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
    consentChannel: r.consent_channel === null ? null : ConsentChannelSchema.parse(r.consent_channel),
  };
}

/** The webhooks table through `db()`, called afresh for every query (the store refuses it inside a transaction). */
export function webhookStore(db: () => Kysely<Database>): WebhookStore {
  return {
    async add(w) {
      await db()
        .insertInto('webhooks')
        .values({
          webhook_id: w.webhookId,
          url: w.url,
          secret: w.secret,
          created_at: w.createdAt,
          cursor: w.cursor,
          attempts: w.attempts,
          next_attempt_at: w.nextAttemptAt,
          last_error: w.lastError,
          disabled_at: w.disabledAt,
          consent_channel: w.consentChannel,
        })
        .execute();
    },

    async list() {
      const rows = await db().selectFrom('webhooks').selectAll().orderBy('created_at').orderBy('webhook_id').execute();
      return rows.map(toWebhook);
    },

    async remove(webhookId) {
      const r = await db().deleteFrom('webhooks').where('webhook_id', '=', webhookId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async setDisabled(webhookId, at) {
      const r = await db()
        .updateTable('webhooks')
        .set(at === null ? { disabled_at: null, attempts: 0, next_attempt_at: null } : { disabled_at: at })
        .where('webhook_id', '=', webhookId)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async behind(head) {
      const rows = await db()
        .selectFrom('webhooks')
        .selectAll()
        .where('disabled_at', 'is', null)
        .where('cursor', '<', head)
        .execute();
      return rows.map(toWebhook);
    },

    async claim(webhookId, cursor, now, leaseUntil) {
      const r = await db()
        .updateTable('webhooks')
        .set({ next_attempt_at: leaseUntil })
        .where('webhook_id', '=', webhookId)
        .where('cursor', '=', cursor)
        .where('disabled_at', 'is', null)
        .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async release(webhookId, leaseUntil) {
      await db()
        .updateTable('webhooks')
        .set({ next_attempt_at: null })
        .where('webhook_id', '=', webhookId)
        .where('next_attempt_at', '=', leaseUntil)
        .execute();
    },

    async delivered(webhookId, from, to) {
      await db()
        .updateTable('webhooks')
        .set({ cursor: to, attempts: 0, next_attempt_at: null, last_error: null })
        .where('webhook_id', '=', webhookId)
        .where('cursor', '=', from)
        .execute();
    },

    async failed(webhookId, cursor, f) {
      await db()
        .updateTable('webhooks')
        .set({ attempts: f.attempts, next_attempt_at: f.nextAttemptAt, last_error: f.error })
        .where('webhook_id', '=', webhookId)
        .where('cursor', '=', cursor)
        .execute();
    },
  };
}
