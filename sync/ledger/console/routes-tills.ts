/** Console routes for stores and tills: the tills page, rotate and revoke, and a store manager's store view. */
import { TillIdSchema } from '../../loyalty/units.ts';
import { CodedError } from '../../protocol/errors.ts';
import { TillActionSchema, type StoreRow, type TillRow } from '../../protocol/console-api.ts';
import { revokeTill, rotateTillToken } from '../cli/tills.ts';
import { HEAD_OFFICE_STORE } from '../store/types.ts';
import { ConsoleFailure, parseBody } from './http.ts';
import { checkStore, logAction, scopeStore, type ConsoleDeps, type Route, type RouteCtx } from './route.ts';

async function tillRows(deps: ConsoleDeps, storeId: string | null): Promise<TillRow[]> {
  const { store, now } = deps;
  const tills = (await store.listTills(storeId === null ? undefined : (storeId as never))).filter(
    (t) => t.storeId !== HEAD_OFFICE_STORE,
  );
  const contacts = new Map((await store.consoleReads.tillContacts()).map((c) => [c.tillId as string, c]));
  const rotations = await lastRotations(deps);
  const live = deps.connectedTills();
  const t = now();
  return tills.map((till) => {
    const c = contacts.get(till.tillId);
    const conn = live.get(till.tillId);
    const lastContactAt = conn ? t : (c?.lastSeenAt ?? null);
    return {
      tillId: till.tillId,
      storeId: till.storeId,
      connected: conn !== undefined,
      lastContactAt,
      pending: c ? Math.max(0, c.reportedSeq - c.lastSeq) : 0,
      lagMs: lastContactAt === null ? null : Math.max(0, t - lastContactAt),
      protocolVersion: conn?.protocolVersion ?? null,
      lastSeq: till.lastSeq,
      skewMs: till.skewMs,
      revokedAt: till.revokedAt,
      rotatedAt: rotations.get(till.tillId) ?? null,
      movingTo: till.movingTo,
    };
  });
}

/** When each till's token was last rotated, from the action log (console and command line alike). */
async function lastRotations(deps: ConsoleDeps): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const e of await deps.store.actionLog.last(1_000)) {
    if (e.action !== 'till rotate') continue;
    try {
      const d = JSON.parse(e.details) as { args?: unknown };
      const id = Array.isArray(d.args) ? (d.args as unknown[])[0] : undefined;
      if (typeof id === 'string') out.set(id, e.at);
    } catch {
      // An entry that is not JSON names no till.
    }
  }
  return out;
}

function tillIdOf(ctx: RouteCtx) {
  const r = TillIdSchema.safeParse(ctx.params['tillId']);
  if (!r.success) throw new ConsoleFailure(400, 'BAD_REQUEST', { issues: ['tillId: not a till id'] });
  return r.data;
}

/** Maps the CLI's coded refusals to the console's codes. */
function fromCoded(err: unknown): never {
  if (err instanceof CodedError) {
    if (err.code === 'UNKNOWN_TILL') throw new ConsoleFailure(404, 'UNKNOWN_TILL');
    if (err.code === 'TILL_REVOKED') throw new ConsoleFailure(409, 'TILL_REVOKED');
  }
  throw err;
}

export const tillRoutes: Route[] = [
  {
    method: 'GET',
    path: /^\/stores$/,
    async handle({ deps, user }): Promise<StoreRow[]> {
      const stores = (await deps.store.listStores()).filter((s) => s.storeId !== HEAD_OFFICE_STORE);
      return stores
        .filter((s) => user.role === 'head-office' || s.storeId === user.storeId)
        .map((s) => ({ storeId: s.storeId, name: s.name }));
    },
  },
  {
    method: 'GET',
    path: /^\/tills$/,
    async handle(ctx): Promise<TillRow[]> {
      return tillRows(ctx.deps, scopeStore(ctx.user, ctx.query.get('store')));
    },
  },
  {
    method: 'GET',
    path: /^\/stores\/(?<storeId>[^/]+)\/tills$/,
    async handle(ctx): Promise<TillRow[]> {
      const storeId = scopeStore(ctx.user, ctx.params['storeId']);
      if (storeId === null || !(await ctx.deps.store.getStore(storeId))) throw new ConsoleFailure(404, 'UNKNOWN_STORE');
      return tillRows(ctx.deps, storeId);
    },
  },
  {
    method: 'POST',
    path: /^\/tills\/(?<tillId>[^/]+)\/rotate$/,
    role: 'head-office',
    async handle(ctx): Promise<{ tillId: string; token: string }> {
      const tillId = tillIdOf(ctx);
      const { reason } = parseBody(TillActionSchema, ctx.body);
      const till = await ctx.deps.store.getTill(tillId);
      if (!till) throw new ConsoleFailure(404, 'UNKNOWN_TILL');
      checkStore(ctx.user, till.storeId);
      const token = await rotateTillToken(ctx.deps.store, tillId).catch(fromCoded);
      await logAction(ctx, 'till rotate', reason, { args: [tillId], options: {} });
      return { tillId, token };
    },
  },
  {
    method: 'POST',
    path: /^\/tills\/(?<tillId>[^/]+)\/revoke$/,
    role: 'head-office',
    async handle(ctx): Promise<{ tillId: string; revokedAt: number; revokedNow: boolean }> {
      const tillId = tillIdOf(ctx);
      const { reason } = parseBody(TillActionSchema, ctx.body);
      const r = await revokeTill(ctx.deps.store, tillId, ctx.deps.now()).catch(fromCoded);
      if (r.revokedNow) await logAction(ctx, 'till revoke', reason, { args: [tillId], options: {} });
      return { tillId, ...r };
    },
  },
];
