/**
 * Console authentication: logins (per-address rate limit, per-account lockout after repeated failures), sessions in
 * an HttpOnly SameSite=Strict cookie (Secure behind TLS) stored only as their SHA-256, and CSRF protection on every
 * non-GET request: the Origin must be the console's own and the session's CSRF token must come back in a header.
 *
 * Login state machine per account: failures count up; the `maxFailures`-th failure locks it for `lockMs`, during
 * which even the right password is refused ACCOUNT_LOCKED; the lock runs out by itself; a success clears the count.
 * After a lock runs out the count is still at the limit, so the next failure locks again at once (one try per lock);
 * `ledger user enable` clears both. Unknown users and disabled ones get LOGIN_FAILED like a wrong password, after the
 * same scrypt work (a decoy hash), so neither the answer nor its timing tells which names exist.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { localeOf, type Locale } from '../../loyalty/i18n/locale.ts';
import { CSRF_HEADER, LoginSchema, type SessionInfo } from '../../protocol/console-api.ts';
import { TokenBucket, type BucketLimits } from '../rate-limit.ts';
import type { ConsoleSession, ConsoleUser } from '../store/interfaces/console-users.ts';
import type { LedgerStore } from '../store/types.ts';
import { ConsoleFailure, cookies, parseBody } from './http.ts';
import { decoyHash, verifyPassword } from './passwords.ts';

export const SESSION_COOKIE = 'ledger_console';

export interface ConsoleAuthOptions {
  /** Failed logins in a row that lock an account (default 5). */
  maxFailures: number;
  /** How long a lock lasts, ms (default 15 minutes). */
  lockMs: number;
  /** Login attempts per client address (default 1 every 2 s, bursts of 10). */
  loginRate: BucketLimits;
  /** How long a session lasts, ms (default 8 hours). */
  sessionMs: number;
  /** The console's origin as browsers see it (e.g. behind a proxy); default: this server's scheme and Host. */
  publicOrigin?: string | undefined;
}

export const DEFAULT_CONSOLE_AUTH: ConsoleAuthOptions = {
  maxFailures: 5,
  lockMs: 15 * 60_000,
  loginRate: { ratePerSec: 0.5, burst: 10 },
  sessionMs: 8 * 3_600_000,
};

/** An authenticated request: its user and session. */
export interface Authenticated {
  user: ConsoleUser;
  session: ConsoleSession;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const MAX_TRACKED_ADDRESSES = 10_000;

export class ConsoleAuth {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly store: LedgerStore,
    private readonly opts: ConsoleAuthOptions,
    private readonly tls: boolean,
    private readonly now: () => number,
  ) {}

  /** The origin this console is served at, for the request (Origin checks). */
  origin(req: IncomingMessage): string {
    return this.opts.publicOrigin ?? `${this.tls ? 'https' : 'http'}://${req.headers.host ?? ''}`;
  }

  /**
   * Refuses a state-changing request that did not come from the console's own page: its Origin must be ours; a
   * browser that sends no Origin must say `Sec-Fetch-Site: same-origin`. A request with neither is refused too.
   */
  checkOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (origin !== this.origin(req)) throw new ConsoleFailure(403, 'CSRF_REFUSED');
      return;
    }
    if (req.headers['sec-fetch-site'] !== 'same-origin') throw new ConsoleFailure(403, 'CSRF_REFUSED');
  }

  /** Logs in with the body's name and password; sets the session cookie and answers the session. */
  async login(req: IncomingMessage, res: ServerResponse, body: string): Promise<SessionInfo> {
    this.checkOrigin(req);
    const wait = this.#bucket(req.socket.remoteAddress ?? 'unknown').take(this.now());
    if (wait > 0) throw new ConsoleFailure(429, 'LOGIN_RATE_LIMITED', { retryAfterMs: wait });
    const { name, password } = parseBody(LoginSchema, body);
    const user = await this.store.consoleUsers.get(name);
    const now = this.now();
    if (user?.lockedUntil != null && user.lockedUntil > now)
      throw new ConsoleFailure(423, 'ACCOUNT_LOCKED', { retryAfterMs: user.lockedUntil - now });
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !ok || user.disabledAt !== null) {
      if (user && !ok) {
        const count = await this.store.consoleUsers.recordFailure(user.name);
        if (count >= this.opts.maxFailures) {
          await this.store.consoleUsers.lock(user.name, now + this.opts.lockMs);
          throw new ConsoleFailure(423, 'ACCOUNT_LOCKED', { retryAfterMs: this.opts.lockMs });
        }
      }
      throw new ConsoleFailure(401, 'LOGIN_FAILED');
    }
    await this.store.consoleUsers.clearFailures(user.name);
    const secret = randomBytes(32).toString('base64url');
    const session: ConsoleSession = {
      sessionHash: sha256(secret),
      name: user.name,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      expiresAt: now + this.opts.sessionMs,
    };
    await this.store.consoleUsers.createSession(session);
    await this.store.consoleUsers.pruneSessions(now);
    res.setHeader('set-cookie', this.#cookie(secret, Math.floor(this.opts.sessionMs / 1000)));
    return info(user, session, localeOf(await this.store.latestProgram()));
  }

  /** The request's user and session; AUTH_REQUIRED when there is none, it expired, or the user was disabled. */
  async authenticate(req: IncomingMessage): Promise<Authenticated> {
    const secret = cookies(req).get(SESSION_COOKIE);
    if (!secret) throw new ConsoleFailure(401, 'AUTH_REQUIRED');
    const session = await this.store.consoleUsers.getSession(sha256(secret));
    if (!session || session.expiresAt <= this.now()) throw new ConsoleFailure(401, 'AUTH_REQUIRED');
    const user = await this.store.consoleUsers.get(session.name);
    if (!user || user.disabledAt !== null) throw new ConsoleFailure(401, 'AUTH_REQUIRED');
    return { user, session };
  }

  /** CSRF: the Origin check, then the session's token in the `x-csrf-token` header. */
  checkCsrf(req: IncomingMessage, auth: Authenticated): void {
    this.checkOrigin(req);
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameText(sent, auth.session.csrfToken))
      throw new ConsoleFailure(403, 'CSRF_REFUSED');
  }

  async logout(res: ServerResponse, auth: Authenticated): Promise<void> {
    await this.store.consoleUsers.deleteSession(auth.session.sessionHash);
    res.setHeader('set-cookie', this.#cookie('', 0));
  }

  #cookie(value: string, maxAge: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${this.tls || this.opts.publicOrigin?.startsWith('https:') ? '; Secure' : ''}`;
  }

  #bucket(address: string): TokenBucket {
    let b = this.#buckets.get(address);
    if (!b) {
      if (this.#buckets.size >= MAX_TRACKED_ADDRESSES) this.#buckets.clear();
      b = new TokenBucket(this.opts.loginRate, this.now());
      this.#buckets.set(address, b);
    }
    return b;
  }
}

/** What the page is told of its session; `locale` is the program's, which the console speaks. */
export function info(user: ConsoleUser, session: ConsoleSession, locale: Locale): SessionInfo {
  return {
    locale,
    name: user.name,
    role: user.role,
    storeId: user.storeId,
    csrfToken: session.csrfToken,
    expiresAt: session.expiresAt,
  };
}
