/**
 * One console API route: its method, path pattern and role, and a handler that gets the signed-in user. What every
 * handler shares: scoping to a store (a store manager is refused any other store's data, FORBIDDEN_STORE, whatever
 * the URL says) and recording an action in the action log under the user's name.
 */
import type { StoreId } from '../../loyalty/units.ts';
import type { ConsoleRoleName } from '../../protocol/console-api.ts';
import type { LedgerMetrics } from '../metrics.ts';
import type { ConsoleUser } from '../store/interfaces/console-users.ts';
import type { LedgerStore } from '../store/types.ts';
import { ConsoleFailure } from './http.ts';
import type { RushHistory } from './rush.ts';

/** What the console's handlers read besides the store: the live server's figures. */
export interface ConsoleDeps {
  store: LedgerStore;
  metrics: LedgerMetrics;
  rush: RushHistory;
  now: () => number;
  /** The tills connected to this ledger process now, with the protocol version each speaks. */
  connectedTills: () => ReadonlyMap<string, { protocolVersion: number }>;
}

export interface RouteCtx {
  deps: ConsoleDeps;
  user: ConsoleUser;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  body: string;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Matched against the path after `/console/api`; named groups become `params`. */
  path: RegExp;
  /** Only this role may call it; any signed-in user when absent. */
  role?: ConsoleRoleName;
  handle(ctx: RouteCtx): Promise<unknown>;
}

/**
 * The store a request may read: a store manager's own store always (FORBIDDEN_STORE when another is named), head
 * office the one named or, with none, every store (null).
 */
export function scopeStore(user: ConsoleUser, named: string | null | undefined): StoreId | null {
  if (user.role === 'store-manager') {
    if (named != null && named !== '' && named !== user.storeId) throw new ConsoleFailure(403, 'FORBIDDEN_STORE');
    return user.storeId;
  }
  return named != null && named !== '' ? (named as StoreId) : null;
}

/** Refuses a store manager a record of another store (FORBIDDEN_STORE). */
export function checkStore(user: ConsoleUser, storeId: string): void {
  if (user.role === 'store-manager' && user.storeId !== storeId) throw new ConsoleFailure(403, 'FORBIDDEN_STORE');
}

/** Who acts, in the action log and in ops made from the console: the user's name, marked as a console user. */
export const actorOf = (user: ConsoleUser): string => `console:${user.name}`;

/** Records a console action like the command line records its commands (cli/actions.ts), under the user's name. */
export async function logAction(
  ctx: RouteCtx,
  action: string,
  reason: string | null,
  details: Record<string, unknown>,
): Promise<void> {
  await ctx.deps.store.actionLog.append({
    at: ctx.deps.now(),
    actor: actorOf(ctx.user),
    action,
    reason,
    details: { via: 'console', ...details },
  });
}
