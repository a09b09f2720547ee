import type { StoreId } from '../../../loyalty/units.ts';

/** Who a console user is: head office sees every store, a store manager one store only. */
export type ConsoleRole = 'head-office' | 'store-manager';

/** A console account as stored (migration 0014); the password only as its hash (sync/ledger/console/passwords.ts). */
export interface ConsoleUser {
  name: string;
  role: ConsoleRole;
  /** The store a store manager sees; null for head office. */
  storeId: StoreId | null;
  passwordHash: string;
  createdAt: number;
  disabledAt: number | null;
  /** Failed logins in a row since the last success. */
  failedLogins: number;
  /** No login is accepted before this time (epoch ms), null when not locked. */
  lockedUntil: number | null;
}

/** A console session as stored: the cookie's value is never kept, only its SHA-256. */
export interface ConsoleSession {
  sessionHash: string;
  name: string;
  /** The per-session token every non-GET request must carry in `x-csrf-token`. */
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

/** The `console_users` and `console_sessions` tables. */
export interface ConsoleUserStore {
  /** False when a user of this name exists already. */
  add(user: ConsoleUser): Promise<boolean>;
  get(name: string): Promise<ConsoleUser | undefined>;
  /** Every user, by name. */
  list(): Promise<ConsoleUser[]>;
  /** Disables (`at`) or re-enables (null) a user and ends their sessions; false when there is none of this name. */
  setDisabled(name: string, at: number | null): Promise<boolean>;
  /** Counts a failed login (one statement, so concurrent failures all count); returns the count reached. */
  recordFailure(name: string): Promise<number>;
  /** Refuses every login to the account until `until`. */
  lock(name: string, until: number): Promise<void>;
  /** A successful login: the count of failures and any lock are cleared. */
  clearFailures(name: string): Promise<void>;
  createSession(session: ConsoleSession): Promise<void>;
  getSession(sessionHash: string): Promise<ConsoleSession | undefined>;
  deleteSession(sessionHash: string): Promise<void>;
  /** Drops the sessions expired before `now`; returns how many. */
  pruneSessions(now: number): Promise<number>;
}
