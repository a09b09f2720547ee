/**
 * The web console's HTTP contract (`/console/api/*`, served by the ledger, read by renderer/console/): request bodies
 * as zod schemas, answers as types, and the closed list of error codes with the sentence a person reads. The console
 * page shows its own sentence per code, in the program's locale (`console.code.*` in sync/loyalty/i18n, worded by
 * renderer/console/i18n.ts), so these stay English for the command line and logs.
 */
import { z } from 'zod';
import type { Locale } from '../loyalty/i18n/locale.ts';

export const CONSOLE_PATH = '/console';
export const CONSOLE_API = '/console/api';
/** The header every non-GET request carries: the session's CSRF token (GET /console/api/session gives it). */
export const CSRF_HEADER = 'x-csrf-token';

export const consoleErrorMessages = {
  BAD_REQUEST: 'The request does not match what the console API expects.',
  NO_ROUTE: 'There is no such console endpoint.',
  LOGIN_FAILED: 'Unknown user or wrong password.',
  LOGIN_RATE_LIMITED: 'Too many login attempts from this address; wait before trying again.',
  ACCOUNT_LOCKED: 'This account is locked after too many failed logins; wait, or ask head office.',
  AUTH_REQUIRED: 'Log in to the console first (or the session has expired).',
  CSRF_REFUSED: 'The request did not come from the console page itself, so it was refused.',
  FORBIDDEN_STORE: "A store manager sees only their own store's data.",
  HEAD_OFFICE_ONLY: 'Only head office may do this.',
  UNKNOWN_TILL: 'There is no such till.',
  UNKNOWN_STORE: 'There is no such store.',
  UNKNOWN_MEMBER: 'There is no such member.',
  UNKNOWN_CONFLICT: 'There is no such conflict.',
  UNKNOWN_WEBHOOK: 'There is no such webhook.',
  TILL_REVOKED: 'This till is revoked: it gets no new token.',
  ALREADY_RESOLVED: 'This conflict has already been resolved.',
  ALREADY_ERASED: 'This member was erased already.',
  OP_REFUSED: 'The ledger refused the op.',
  NO_PROGRAM: 'No program is set yet.',
  TOO_LARGE: 'The request body is larger than the console accepts.',
  INTERNAL: 'The ledger failed to answer; nothing was changed.',
  BAD_LETTER_REF: 'This letter reference has a typo: its check character does not match. Check it against the letter.',
} as const;
export type ConsoleErrorCode = keyof typeof consoleErrorMessages;

export interface ConsoleError {
  code: ConsoleErrorCode;
  message: string;
  /** For OP_REFUSED: the ledger's refusal code. */
  detail?: string;
  issues?: string[];
  retryAfterMs?: number;
}

export const ConsoleRoleSchema = z.enum(['head-office', 'store-manager']);
export type ConsoleRoleName = z.infer<typeof ConsoleRoleSchema>;

const reason = z.string().trim().min(1).max(200);

export const LoginSchema = z.object({ name: z.string().min(1).max(80), password: z.string().min(1).max(200) });
export const TillActionSchema = z.object({ reason });
export const DecisionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('recover'), reason }),
  z.object({ action: z.literal('write-off'), reason }),
  z.object({
    action: z.literal('adjust'),
    reason,
    points: z
      .number()
      .int()
      .refine((p) => p !== 0 && Math.abs(p) <= 1_000_000_000, 'a non-zero change up to 1,000,000,000'),
  }),
]);
export const AdjustSchema = z.object({
  reason,
  points: z
    .number()
    .int()
    .refine((p) => p !== 0 && Math.abs(p) <= 1_000_000_000, 'a non-zero change up to 1,000,000,000'),
});
export const EraseSchema = z.object({ reason });
export const WebhookToggleSchema = z.object({ reason: reason.optional() });

export interface SessionInfo {
  name: string;
  role: ConsoleRoleName;
  storeId: string | null;
  csrfToken: string;
  expiresAt: number;
  /** The program's locale (en-GB before any program): the console speaks it. */
  locale: Locale;
}

export interface StoreRow {
  storeId: string;
  name: string;
}

export interface TillRow {
  tillId: string;
  storeId: string;
  connected: boolean;
  /** When the till last spoke to the ledger (now, while connected), epoch ms; null if never. */
  lastContactAt: number | null;
  /** Ops the till said it had journaled that the ledger has not applied yet. */
  pending: number;
  /** How long since the last contact, ms (0 while connected). */
  lagMs: number | null;
  /** The protocol version it speaks on its live connection; null when not connected. */
  protocolVersion: number | null;
  lastSeq: number;
  skewMs: number;
  revokedAt: number | null;
  /** The last time its token was rotated (from the action log), null if never. */
  rotatedAt: number | null;
  movingTo: string | null;
}

export interface ConflictRow {
  conflictId: string;
  memberId: string;
  memberName: string | null;
  tillId: string;
  storeId: string;
  shortfall: number;
  status: 'open' | 'escalated' | 'resolved';
  createdAt: number;
  resolution: { action: string; manager: string; reason: string; at: number } | null;
}

export interface MemberRow {
  memberId: string;
  card: string;
  name: string;
  email: string | null;
  balance: number;
  homeStoreId: string | null;
  tier: string | null;
  status: string | null;
}

export interface MemberOpRow {
  opId: string;
  kind: string;
  tillId: string;
  at: number | null;
  appliedAt: number;
  delta: number | null;
  outcome: string;
}

export interface DayCountRow {
  day: number;
  storeId: string | null;
  what: string;
  count: number;
}

export interface LiabilityFigures {
  currency: string;
  /** Points outstanding now, and their value in cents. */
  outstandingPoints: number;
  outstandingCents: number;
  /** The provision released at closing (the points' value that lapses), cents. */
  provisionReleasedCents: number;
  /** After the closing: what stays owed (vouchers outstanding), cents. */
  afterCents: number;
}

/** Where a closing answer was given: at a till, on the members' page, or by head office. */
export type ClosingChannel = 'till' | 'page' | 'head-office';

/** One channel's answers to the terms and conversions, over the whole closing. */
export interface ClosingChannelFigures {
  channel: ClosingChannel;
  answered: number;
  accepted: number;
  refused: number;
  converted: number;
}

/** The closing's figures as `ledger closing status` counts them (sync/ledger/reports/closing-status.ts). */
export interface ClosingTotals {
  /** Members told by post (notices issued) and by e-mail (e-mails sent); null for a store manager (head office's). */
  toldByPost: number | null;
  toldByEmail: number | null;
  /** Every channel with an answer or a conversion, in the order till, page, head office. */
  byChannel: ClosingChannelFigures[];
  redeemed: number;
}

export interface ClosingView {
  now: number;
  earnEndsAt: number | null;
  burnDeadline: number | null;
  /**
   * By day: `told:post`, `told:email`, `voucher-issued` (no store), `accepted:CHANNEL`, `refused:CHANNEL`,
   * `converted:CHANNEL` and `voucher-redeemed` (the store of the till, or `portal` for the page).
   */
  days: DayCountRow[];
  totals: ClosingTotals;
  liability: LiabilityFigures | null;
}

export interface RushSample {
  at: number;
  opsPerSecond: number;
  queueDepth: number;
  shedPerSecond: number;
  authorizeP50Ms: number | null;
  authorizeP99Ms: number | null;
  connectedTills: number;
}

export interface WebhookRow {
  webhookId: string;
  url: string;
  cursor: number;
  lag: number;
  attempts: number;
  lastError: string | null;
  disabledAt: number | null;
}

export interface EventsView {
  head: number;
  webhooks: WebhookRow[];
}
