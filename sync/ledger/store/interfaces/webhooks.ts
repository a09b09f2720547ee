import type { ConsentChannel } from '../../../loyalty/consent.ts';

/**
 * The `webhooks` table: receivers of the event feed and each one's delivery state (sync/ledger/webhooks.ts is the
 * state machine; this is only its storage). Every change is conditional on the state the caller read, so that several
 * ledger processes on one database never send the same batch at once.
 */

/** A receiver as stored. */
export interface StoredWebhook {
  webhookId: string;
  url: string;
  secret: string;
  createdAt: number;
  /** Last event seq delivered. */
  cursor: number;
  /** Failed attempts in a row. */
  attempts: number;
  /** When the next attempt is due, or the lease of a delivery in flight; null when idle. */
  nextAttemptAt: number | null;
  lastError: string | null;
  disabledAt: number | null;
  /** Only member events of members who consented to this channel are delivered (others are skipped); null: all. */
  consentChannel: ConsentChannel | null;
}

export interface WebhookStore {
  add(webhook: StoredWebhook): Promise<void>;
  /** Every receiver, oldest first. */
  list(): Promise<StoredWebhook[]>;
  /** False when there is none with this id. */
  remove(webhookId: string): Promise<boolean>;
  /** Pauses (`at`) or resumes (null, with a clean backoff) deliveries; false when there is none with this id. */
  setDisabled(webhookId: string, at: number | null): Promise<boolean>;
  /** Enabled receivers whose cursor is before `head`. */
  behind(head: number): Promise<StoredWebhook[]>;
  /**
   * Takes the lease (`next_attempt_at := leaseUntil`) when the receiver is still enabled at `cursor` and no attempt
   * is due after `now`; false when removed, disabled, moved on, or leased by another process.
   */
  claim(webhookId: string, cursor: number, now: number, leaseUntil: number): Promise<boolean>;
  /** Gives the lease back, when it is still this one. */
  release(webhookId: string, leaseUntil: number): Promise<void>;
  /** A batch was delivered: the cursor moves from `from` to `to`, the backoff is cleared. */
  delivered(webhookId: string, from: number, to: number): Promise<void>;
  /** A batch failed at `cursor`: the attempts, when to try again and why. */
  failed(
    webhookId: string,
    cursor: number,
    failure: { attempts: number; nextAttemptAt: number; error: string },
  ): Promise<void>;
}
